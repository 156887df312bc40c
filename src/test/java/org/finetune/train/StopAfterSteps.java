package org.finetune.train;

/** Asks a run to stop, as Ctrl-C does, once it has trained a given number of batches. */
final class StopAfterSteps implements TrainingListener {

  private final int steps;
  private int done;

  /** {@code Integer.MAX_VALUE}: never. */
  StopAfterSteps(int steps) {
    this.steps = steps;
  }

  @Override
  public void stepFinished(int step, long images, double loss, double accuracy) {
    done++;
  }

  @Override
  public boolean stopRequested() {
    return done >= steps;
  }
}
