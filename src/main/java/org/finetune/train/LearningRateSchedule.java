package org.finetune.train;

import org.finetune.error.FineTuneException;

/** How the learning rate of a phase changes while it trains. */
public sealed interface LearningRateSchedule {

  /** The phase's learning rate throughout. */
  record Constant() implements LearningRateSchedule {}

  /**
   * Keras' {@code CosineDecay(initial, decay_steps=the phase's steps, alpha)}: from the phase's
   * rate at its first step down to {@code alpha} times it at its last, along half a cosine.
   */
  record Cosine(double alpha) implements LearningRateSchedule {
    public Cosine {
      if (!(alpha >= 0 && alpha <= 1)) {
        throw FineTuneException.badOption("the cosine schedule's final fraction must be in [0, 1], got " + alpha);
      }
    }

    /** The rate at {@code step} (from 0) of {@code steps}. */
    double at(double initial, long step, long steps) {
      double progress = Math.min(step, steps) / (double) Math.max(1, steps);
      double cosine = 0.5 * (1 + Math.cos(Math.PI * progress));
      return initial * ((1 - alpha) * cosine + alpha);
    }
  }

  /**
   * Keras' {@code ReduceLROnPlateau(factor, patience, min_delta=1e-4, min_lr)}: the rate is
   * multiplied by {@code factor} whenever the monitored figure has not improved by more than 1e-4
   * for {@code patience} epochs, never below {@code minLearningRate}.
   */
  record Plateau(double factor, int patience, double minLearningRate) implements LearningRateSchedule {
    public static final double MIN_DELTA = 1e-4;

    public Plateau {
      if (!(factor > 0 && factor < 1)) {
        throw FineTuneException.badOption("--plateau-factor must be in (0, 1), got " + factor);
      }
      if (patience < 1) {
        throw FineTuneException.badOption("--plateau-patience must be a positive integer, got " + patience);
      }
      if (!(minLearningRate >= 0) || Double.isInfinite(minLearningRate)) {
        throw FineTuneException.badOption("--min-learning-rate must be >= 0, got " + minLearningRate);
      }
    }
  }
}
