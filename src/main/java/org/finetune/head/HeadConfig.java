package org.finetune.head;

import org.finetune.error.FineTuneException;

/**
 * The new classification head: pooling, then an optional Dense(units, relu) with Dropout, then
 * Dense(classes) with softmax. Defaults follow the reference tutorial: Flatten, Dense(1024),
 * Dropout(0.5).
 *
 * @param pooling how the feature map becomes a vector
 * @param denseUnits units of the hidden Dense layer; 0 leaves it (and its dropout) out
 * @param dropoutRate fraction of the hidden units dropped while training, in [0, 1)
 */
public record HeadConfig(Pooling pooling, int denseUnits, double dropoutRate) {

  public static final HeadConfig DEFAULT = new HeadConfig(Pooling.FLATTEN, 1024, 0.5);

  public HeadConfig {
    if (pooling == null) {
      throw FineTuneException.badOption("Head pooling must be given");
    }
    if (denseUnits < 0) {
      throw FineTuneException.badOption("--dense must be >= 0 (0 means no hidden layer), got " + denseUnits);
    }
    if (!(dropoutRate >= 0 && dropoutRate < 1)) {
      throw FineTuneException.badOption("--dropout must be in [0, 1), got " + dropoutRate);
    }
  }

  public boolean hasHiddenLayer() {
    return denseUnits > 0;
  }

  /** "flatten -> dense(1024, relu) -> dropout(0.5) -> dense(5, softmax)". */
  public String describe(int classes) {
    String hidden = hasHiddenLayer() ? " -> dense(" + denseUnits + ", relu) -> dropout(" + dropoutRate + ")" : "";
    return pooling.cliName() + hidden + " -> dense(" + classes + ", softmax)";
  }
}
