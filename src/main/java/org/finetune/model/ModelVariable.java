package org.finetune.model;

import java.util.Arrays;
import org.tensorflow.proto.DataType;

/**
 * One weight of the rebuilt base network.
 *
 * @param kerasName the name Keras gave it, e.g. {@code block_1_expand/kernel}
 * @param opName the {@code VariableV2} op holding it in the rebuilt graph, e.g. {@code block_1_expand.kernel}
 * @param layer the Keras layer it belongs to, e.g. {@code block_1_expand}
 * @param trainable whether Keras trains it (false for BatchNormalization moving statistics)
 */
public record ModelVariable(
    String kerasName, String opName, String layer, DataType dtype, long[] shape, boolean trainable) {

  public ModelVariable {
    shape = shape.clone();
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  /** Number of scalars it holds. */
  public long size() {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ModelVariable v && opName.equals(v.opName) && kerasName.equals(v.kerasName)
        && Arrays.equals(shape, v.shape) && dtype == v.dtype && trainable == v.trainable && layer.equals(v.layer);
  }

  @Override
  public int hashCode() {
    return opName.hashCode();
  }
}
