package org.finetune.train;

import java.util.Arrays;
import java.util.Locale;
import org.finetune.error.FineTuneException;

/**
 * The per-epoch figure callbacks watch, by its Keras name; losses improve downwards, accuracies
 * upwards (Keras' {@code mode="auto"}).
 */
public enum Monitor {
  VAL_LOSS, VAL_ACCURACY, LOSS, ACCURACY;

  public String kerasName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public boolean needsValidation() {
    return this == VAL_LOSS || this == VAL_ACCURACY;
  }

  boolean lowerIsBetter() {
    return this == VAL_LOSS || this == LOSS;
  }

  /** The epoch's value of this figure. */
  double valueOf(EpochMetrics metrics) {
    return switch (this) {
      case VAL_LOSS -> metrics.valLoss() == null ? Double.NaN : metrics.valLoss();
      case VAL_ACCURACY -> metrics.valAccuracy() == null ? Double.NaN : metrics.valAccuracy();
      case LOSS -> metrics.loss();
      case ACCURACY -> metrics.accuracy();
    };
  }

  /**
   * Whether {@code current} beats {@code best} by more than {@code minDelta}, as Keras compares
   * ({@code current < best - minDelta} for losses): the first value always does (NaN included,
   * after which nothing compares better, as in Keras), NaN never does later.
   */
  boolean improves(double current, Double best, double minDelta) {
    if (best == null) {
      return true;
    }
    return lowerIsBetter() ? current + minDelta < best : current - minDelta > best;
  }

  public static Monitor parse(String name) {
    for (Monitor m : values()) {
      if (m.kerasName().equals(name.strip().toLowerCase(Locale.ROOT))) {
        return m;
      }
    }
    throw FineTuneException.badOption("--monitor must be one of "
        + Arrays.stream(values()).map(Monitor::kerasName).toList() + ", got '" + name + "'");
  }
}
