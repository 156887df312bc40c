package org.finetune.model;

import java.util.Arrays;
import java.util.stream.Collectors;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.TensorInfo;

/**
 * A named tensor of a serving signature: the signature key (what clients send), the graph tensor
 * it maps to, its dtype and its shape ({@code -1} for an unknown dimension).
 */
public record TensorSpec(String key, String tensorName, DataType dtype, long[] shape) {

  public TensorSpec {
    shape = shape == null ? null : shape.clone();
  }

  static TensorSpec of(String key, TensorInfo info) {
    long[] dims =
        info.getTensorShape().getUnknownRank()
            ? new long[0]
            : info.getTensorShape().getDimList().stream().mapToLong(d -> d.getSize()).toArray();
    boolean unknownRank = info.getTensorShape().getUnknownRank();
    return new TensorSpec(key, info.getName(), info.getDtype(), unknownRank ? null : dims);
  }

  @Override
  public long[] shape() {
    return shape == null ? null : shape.clone();
  }

  public int rank() {
    return shape == null ? -1 : shape.length;
  }

  /** "float32" rather than "DT_FLOAT": the way Keras users read dtypes. */
  public String dtypeName() {
    return dtypeName(dtype);
  }

  static String dtypeName(DataType dtype) {
    String name = dtype.name();
    if (!name.startsWith("DT_")) {
      return name.toLowerCase();
    }
    return switch (dtype) {
      case DT_FLOAT -> "float32";
      case DT_DOUBLE -> "float64";
      case DT_HALF -> "float16";
      default -> name.substring(3).toLowerCase();
    };
  }

  /** "(None, 64, 64, 3)", as Keras prints shapes. */
  public String shapeText() {
    return shapeText(shape);
  }

  static String shapeText(long[] dims) {
    if (dims == null) {
      return "<unknown rank>";
    }
    String inner =
        Arrays.stream(dims).mapToObj(d -> d < 0 ? "None" : Long.toString(d)).collect(Collectors.joining(", "));
    return "(" + inner + (dims.length == 1 ? ",)" : ")");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorSpec t
        && key.equals(t.key)
        && tensorName.equals(t.tensorName)
        && dtype == t.dtype
        && Arrays.equals(shape, t.shape);
  }

  @Override
  public int hashCode() {
    return key.hashCode() * 31 + Arrays.hashCode(shape);
  }

  @Override
  public String toString() {
    return key + " -> " + tensorName + " " + dtypeName() + " " + shapeText();
  }
}
