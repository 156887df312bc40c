package org.finetune.serving;

import java.util.Arrays;
import org.tensorflow.proto.DataType;

/**
 * A tensor's values in Java memory, row-major: {@code float[]} (DT_FLOAT), {@code double[]}
 * (DT_DOUBLE), {@code int[]} (DT_INT32, DT_UINT8), {@code long[]} (DT_INT64), {@code byte[][]}
 * (DT_STRING) or {@code boolean[]} (DT_BOOL).
 */
public record HostTensor(DataType dtype, long[] shape, Object values) {

  public HostTensor {
    shape = shape.clone();
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  /** The shape as TF Serving prints it in messages: {@code [2,32,32,3]}. */
  public String shapeString() {
    return shapeString(shape);
  }

  static String shapeString(long[] shape) {
    return Arrays.toString(shape).replace(" ", "");
  }
}
