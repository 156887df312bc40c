package org.finetune.train;

/**
 * Progress of a run, for a terminal progress bar or a service's logs. Every method has a no-op
 * default, so a listener implements only what it shows.
 */
public interface TrainingListener {

  TrainingListener NONE = new TrainingListener() {};

  /** An epoch starts; it will run {@code steps} batches over {@code images} images. */
  default void epochStarted(String phase, int epoch, int epochs, int steps, long images) {}

  /** A training step finished; {@code loss} and {@code accuracy} are the epoch's running means. */
  default void stepFinished(int step, long imagesSoFar, double loss, double accuracy) {}

  /** An epoch finished, validation included. */
  default void epochFinished(EpochMetrics metrics) {}

  /** An image could not be read and was skipped; told once per image and run. */
  default void imageSkipped(String location, String reason) {}

  /** Something worth knowing about how the run goes, e.g. that the feature cache is in use. */
  default void note(String message) {}

  /** Something the user should know that does not stop the run, e.g. a guessed setting. */
  default void warning(String message) {}

  /**
   * Asked after every training step: true ends the run after this batch, with a checkpoint to
   * resume from when the run keeps checkpoints (e.g. on Ctrl-C).
   */
  default boolean stopRequested() {
    return false;
  }
}
