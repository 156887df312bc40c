package org.finetune.head;

import java.util.Locale;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The output layer's activation: softmax when each image has exactly one class, sigmoid when it
 * may have any number of labels (each output then a probability of its own).
 */
public enum OutputActivation {
  SOFTMAX, SIGMOID;

  public String specName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Probabilities from logits [batch, outputs]. */
  public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> logits) {
    return this == SOFTMAX ? tf.nn.softmax(logits) : tf.math.sigmoid(logits);
  }
}
