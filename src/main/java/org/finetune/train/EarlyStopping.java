package org.finetune.train;

import org.finetune.error.FineTuneException;

/**
 * Keras' {@code EarlyStopping}: a phase ends once its monitored figure has not improved by more
 * than {@code minDelta} for {@code patience} epochs (never after its first epoch); with {@code
 * restoreBestWeights}, the weights of its best epoch are put back when it stops.
 */
public record EarlyStopping(int patience, double minDelta, boolean restoreBestWeights) {

  public EarlyStopping {
    if (patience < 1) {
      throw FineTuneException.badOption("--early-stopping patience must be a positive integer, got " + patience);
    }
    if (!(minDelta >= 0) || Double.isInfinite(minDelta)) {
      throw FineTuneException.badOption("--min-delta must be >= 0, got " + minDelta);
    }
  }
}
