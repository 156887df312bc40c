package org.finetune.train;

import java.util.List;

/**
 * Where a run stands, saved with each checkpoint so that {@code --resume} continues exactly there.
 *
 * @param epoch the epoch in progress, from 1 (the one after the last finished one at a boundary)
 * @param step batches of that epoch already trained (0 at an epoch boundary)
 * @param globalStep batches trained since the start, across epochs and phases (seeds dropout)
 * @param lossSum sum over the epoch's images so far of their loss, for the epoch's mean
 * @param correct images of the epoch so far predicted right (with dropout, as Keras reports)
 * @param images images of the epoch so far
 * @param seconds time spent in the epoch so far
 * @param history the finished epochs
 * @param callbacks what the callbacks remember (null in checkpoints written before they existed)
 */
public record TrainingProgress(
    int epoch,
    int step,
    long globalStep,
    double lossSum,
    long correct,
    long images,
    double seconds,
    List<EpochMetrics> history,
    CallbackState callbacks) {

  public TrainingProgress {
    history = List.copyOf(history);
    if (callbacks == null) {
      callbacks = CallbackState.start();
    }
  }

  static TrainingProgress start() {
    return new TrainingProgress(1, 0, 0, 0, 0, 0, 0, List.of(), CallbackState.start());
  }

  boolean atEpochBoundary() {
    return step == 0;
  }
}
