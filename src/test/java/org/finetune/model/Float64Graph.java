package org.finetune.model;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorProto;

/**
 * A rebuilt base network in float64, for gradient checks: float32 rounding (about 1e-7 of the
 * loss) divided by a finite-difference step is far too noisy to check gradients to 1e-3.
 *
 * <p>Every float32 type attribute becomes float64 and every float32 constant is re-encoded. That
 * is the whole conversion for Keras 3 exports, whose BatchNormalization is plain Mul/Add/Rsqrt
 * arithmetic; {@code FusedBatchNormV3} (Keras 2 exports) has no float64 kernel, so such graphs
 * are refused rather than failing later in the session.
 */
final class Float64Graph {

  private static final List<String> NO_FLOAT64_KERNEL = List.of("FusedBatchNorm", "FusedBatchNormV2", "FusedBatchNormV3");

  private Float64Graph() {}

  static GraphDef convert(GraphDef graph) {
    GraphDef.Builder converted = graph.toBuilder();
    for (NodeDef.Builder node : converted.getNodeBuilderList()) {
      if (NO_FLOAT64_KERNEL.contains(node.getOp())) {
        throw new IllegalArgumentException(node.getName() + ": " + node.getOp() + " has no float64 kernel");
      }
      for (Map.Entry<String, AttrValue> attr : List.copyOf(node.getAttrMap().entrySet())) {
        node.putAttr(attr.getKey(), convert(attr.getValue()));
      }
    }
    return converted.build();
  }

  private static AttrValue convert(AttrValue value) {
    if (value.hasType() && value.getType() == DataType.DT_FLOAT) {
      return value.toBuilder().setType(DataType.DT_DOUBLE).build();
    }
    if (value.hasList() && value.getList().getTypeList().contains(DataType.DT_FLOAT)) {
      AttrValue.ListValue.Builder list = value.getList().toBuilder().clearType();
      value.getList().getTypeList().forEach(t -> list.addType(t == DataType.DT_FLOAT ? DataType.DT_DOUBLE : t));
      return value.toBuilder().setList(list).build();
    }
    if (value.hasTensor() && value.getTensor().getDtype() == DataType.DT_FLOAT) {
      return value.toBuilder().setTensor(convert(value.getTensor())).build();
    }
    return value;
  }

  /** The same values as float64; a constant stores them either packed or as a (broadcast) list. */
  private static TensorProto convert(TensorProto floats) {
    TensorProto.Builder doubles =
        TensorProto.newBuilder().setDtype(DataType.DT_DOUBLE).setTensorShape(floats.getTensorShape());
    if (floats.getTensorContent().isEmpty()) {
      floats.getFloatValList().forEach(f -> doubles.addDoubleVal(f));
      return doubles.build();
    }
    FloatBuffer in = floats.getTensorContent().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    ByteBuffer out = ByteBuffer.allocate(in.remaining() * Double.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    while (in.hasRemaining()) {
      out.putDouble(in.get());
    }
    return doubles.setTensorContent(ByteString.copyFrom(out.array())).build();
  }

  /** Float32 weights (by variable op name) as float64, for {@link WeightLoader#assign}. */
  static Map<String, StoredTensor> weights(Map<String, StoredTensor> floats) {
    Map<String, StoredTensor> doubles = new LinkedHashMap<>();
    floats.forEach((name, value) -> doubles.put(name, stored(value.shape(), toDoubles(value.floats()))));
    return doubles;
  }

  static double[] toDoubles(float[] values) {
    double[] out = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = values[i];
    }
    return out;
  }

  /** A float64 tensor value in the native byte order, as {@link StoredTensor#toTensor()} expects. */
  static StoredTensor stored(long[] shape, double[] values) {
    ByteBuffer bytes = ByteBuffer.allocate(values.length * Double.BYTES).order(ByteOrder.nativeOrder());
    bytes.asDoubleBuffer().put(values);
    return new StoredTensor(DataType.DT_DOUBLE, shape, bytes.array());
  }
}
