package org.finetune.train;

/**
 * What the callbacks remember between epochs, saved with each checkpoint so a resumed run decides
 * as the uninterrupted one would. Bests are null until an epoch has been seen.
 *
 * @param phaseStartStep the global step at which the current phase began (cosine schedule)
 * @param stopBest early stopping's best value in this phase
 * @param stopWait epochs since it improved (Keras' {@code wait})
 * @param stopBestEpoch the epoch of {@code stopBest}
 * @param plateauBest reduce-on-plateau's best value in this phase
 * @param plateauWait epochs since that improved
 * @param learningRateScale what reduce-on-plateau has multiplied this phase's rate by so far
 * @param runBest the best value over the whole run (saving the best model)
 * @param runBestEpoch its epoch; 0 for none
 */
public record CallbackState(
    long phaseStartStep,
    Double stopBest,
    int stopWait,
    int stopBestEpoch,
    Double plateauBest,
    int plateauWait,
    double learningRateScale,
    Double runBest,
    int runBestEpoch) {

  static CallbackState start() {
    return new CallbackState(0, null, 0, 0, null, 0, 1, null, 0);
  }

  /** A new phase: its own early stopping and plateau, as a new {@code fit} call in Keras has. */
  CallbackState phaseStarted(long globalStep) {
    return new CallbackState(globalStep, null, 0, 0, null, 0, 1, runBest, runBestEpoch);
  }
}
