package org.finetune.bench;

import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.finetune.FineTuner;
import org.finetune.model.BaseNetwork;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.ndarray.Shape;

/**
 * Floating-point operations per image of the base's forward pass, counted on the rebuilt graph
 * with the static shapes TensorFlow infers when it is imported: a multiply-add counts 2.
 *
 * <ul>
 *   <li>Conv2D: 2 * Kh * Kw * Cin * Cout * Hout * Wout (filter [Kh, Kw, Cin, Cout]);
 *   <li>DepthwiseConv2dNative: 2 * Kh * Kw * Cin * M * Hout * Wout (filter [Kh, Kw, Cin, M]);
 *   <li>MatMul: 2 * in * out.
 * </ul>
 *
 * Everything else (bias, batch normalisation, activations, pooling, additions) is reported
 * separately as the number of values those ops write per image, not as FLOPs.
 */
final class FlopCounter {

  private FlopCounter() {}

  static Map<String, Object> count(Path model) {
    BaseNetwork base = FineTuner.inspect(model);
    Map<String, Long> flopsByType = new TreeMap<>();
    Map<String, Long> otherValuesByType = new TreeMap<>();
    try (Graph graph = new Graph()) {
      base.importInto(graph);
      for (Iterator<GraphOperation> it = graph.operations(); it.hasNext(); ) {
        GraphOperation op = it.next();
        if (op.name().startsWith("load_weights") || op.numOutputs() == 0) {
          continue;
        }
        long flops = macs(op) * 2;
        if (flops > 0) {
          flopsByType.merge(op.type(), flops, Long::sum);
        } else if (isCompute(op)) {
          long values = perImage(op.output(0).shape());
          if (values > 0) {
            otherValuesByType.merge(op.type(), values, Long::sum);
          }
        }
      }
    }
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("flops_per_image", flopsByType.values().stream().mapToLong(Long::longValue).sum());
    r.put("flops_by_op", flopsByType);
    r.put("other_values_per_image", otherValuesByType);
    r.put("counted", "2 * multiply-adds of Conv2D, DepthwiseConv2dNative and MatMul, from the rebuilt graph's static shapes");
    return r;
  }

  private static long macs(GraphOperation op) {
    switch (op.type()) {
      case "Conv2D", "DepthwiseConv2dNative" -> {
        Shape filter = op.input(1).shape();
        Shape out = op.output(0).shape();
        if (!known(filter) || out.numDimensions() != 4) {
          return 0;
        }
        long kernel = filter.get(0) * filter.get(1) * filter.get(2);
        long outChannels = op.type().equals("Conv2D") ? filter.get(3) : filter.get(2) * filter.get(3);
        // each output value takes Kh * Kw * (Cin for Conv2D, 1 for depthwise) multiply-adds
        long perOutput = op.type().equals("Conv2D") ? kernel : filter.get(0) * filter.get(1);
        return perOutput * outChannels * out.get(1) * out.get(2);
      }
      case "MatMul" -> {
        Shape a = op.input(0).shape();
        Shape out = op.output(0).shape();
        boolean transposeA = op.attributes().getAttrBool("transpose_a");
        long inner = transposeA ? a.get(0) : a.get(1);
        return inner * out.get(1);
      }
      default -> {
        return 0;
      }
    }
  }

  private static boolean isCompute(GraphOperation op) {
    return switch (op.type()) {
      case "VariableV2", "Identity", "Const", "Placeholder", "Assign", "Shape", "Reshape", "NoOp" -> false;
      default -> true;
    };
  }

  private static boolean known(Shape s) {
    if (s.isUnknown()) {
      return false;
    }
    for (int i = 0; i < s.numDimensions(); i++) {
      if (s.get(i) < 0) {
        return false;
      }
    }
    return true;
  }

  /** Values per image of an output [batch, ...]; 0 when unknown. */
  private static long perImage(Shape s) {
    if (s.isUnknown() || s.numDimensions() < 2) {
      return 0;
    }
    long n = 1;
    for (int i = 1; i < s.numDimensions(); i++) {
      if (s.get(i) < 0) {
        return 0;
      }
      n *= s.get(i);
    }
    return n;
  }
}
