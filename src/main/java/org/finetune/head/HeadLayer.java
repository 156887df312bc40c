package org.finetune.head;

import java.util.Arrays;
import java.util.Locale;
import org.finetune.error.FineTuneException;

/**
 * One layer of the head between the pooling and the output Dense: Keras' {@code Dense}, {@code
 * Dropout} or {@code BatchNormalization}, with Keras' defaults.
 */
public sealed interface HeadLayer {

  /** The layer as the spec writes it: {@code dense(256, relu)}, {@code dropout(0.3)}, {@code batch_norm}. */
  String describe();

  /** Keras' {@code Dense(units, activation)}: Glorot-uniform kernel, zero bias. */
  record Dense(int units, Activation activation) implements HeadLayer {
    public Dense {
      if (units < 1) {
        throw FineTuneException.badOption("dense units must be at least 1, found " + units);
      }
      if (activation == null) {
        throw FineTuneException.badOption("dense needs an activation");
      }
    }

    @Override
    public String describe() {
      return "dense(" + units + ", " + activation.specName() + ")";
    }
  }

  /** Keras' {@code Dropout(rate)}: training only, kept units scaled by 1 / (1 - rate). */
  record Dropout(double rate) implements HeadLayer {
    public Dropout {
      if (!(rate >= 0 && rate < 1)) {
        throw FineTuneException.badOption("dropout rate must be in [0, 1), found " + rate);
      }
    }

    @Override
    public String describe() {
      return "dropout(" + rate + ")";
    }
  }

  /**
   * Keras' {@code BatchNormalization()}: momentum 0.99, epsilon 1e-3; batch statistics while
   * training (and moving averages updated), the moving averages at inference.
   */
  record BatchNorm() implements HeadLayer {
    public static final float MOMENTUM = 0.99f;
    public static final float EPSILON = 1e-3f;

    @Override
    public String describe() {
      return "batch_norm";
    }
  }

  /** The activations a hidden Dense layer may have, by their Keras names. */
  enum Activation {
    LINEAR, RELU, RELU6, ELU, SELU, SIGMOID, TANH, SWISH;

    public String specName() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Activation parse(String name) {
      for (Activation a : values()) {
        if (a.specName().equals(name.strip().toLowerCase(Locale.ROOT))) {
          return a;
        }
      }
      throw FineTuneException.badOption("unknown activation '" + name + "'; expected one of "
          + Arrays.stream(values()).map(Activation::specName).toList());
    }
  }
}
