package org.finetune.model;

import java.util.Arrays;
import org.tensorflow.Tensor;
import org.tensorflow.internal.types.registry.TensorTypeRegistry;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.family.TType;

/**
 * A tensor's value copied to the Java heap: it outlives the session it came from and needs no
 * closing. Used for weights moved between graphs and for comparing weights bit for bit.
 */
public record StoredTensor(DataType dtype, long[] shape, byte[] bytes) {

  public StoredTensor {
    shape = shape.clone();
  }

  /** Copies {@code tensor}; the caller still owns and closes it. */
  public static StoredTensor copyOf(Tensor tensor) {
    var raw = tensor.asRawTensor();
    byte[] bytes = new byte[(int) raw.numBytes()];
    raw.data().read(bytes);
    return new StoredTensor(tensor.dataType(), tensor.shape().asArray(), bytes);
  }

  /** A new native tensor with this value; the caller owns and must close it. */
  public Tensor toTensor() {
    Class<? extends TType> type = TensorTypeRegistry.find(dtype).type();
    return Tensor.of(type, Shape.of(shape), DataBuffers.of(bytes, true, false));
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  /** Bit-for-bit equality of dtype, shape and content. */
  public boolean sameAs(StoredTensor other) {
    return dtype == other.dtype && Arrays.equals(shape, other.shape) && Arrays.equals(bytes, other.bytes);
  }

  /** The values as floats; only for float32 tensors. */
  public float[] floats() {
    if (dtype != DataType.DT_FLOAT) {
      throw new IllegalStateException("Not a float32 tensor: " + dtype);
    }
    float[] out = new float[bytes.length / 4];
    java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer().get(out);
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StoredTensor t && sameAs(t);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }
}
