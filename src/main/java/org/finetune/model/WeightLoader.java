package org.finetune.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.internal.types.registry.TensorTypeRegistry;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.family.TType;

/**
 * Puts stored weights into the variables of a graph: a placeholder and an {@code Assign} per
 * variable, run once with the values fed, a slice of the model at a time.
 */
public final class WeightLoader {

  private static final int CHUNK = 64;

  private WeightLoader() {}

  /** Assigns {@code weights} (by variable op name) to the variables of the same names in {@code session}'s graph. */
  public static void assign(Session session, Map<String, StoredTensor> weights) {
    Graph graph = session.graph();
    Ops tf = Ops.create(graph).withSubScope("load_weights");
    List<String> names = new ArrayList<>(weights.keySet());
    List<Placeholder<?>> feeds = new ArrayList<>();
    List<Operand<?>> assigns = new ArrayList<>();
    for (String name : names) {
      StoredTensor value = weights.get(name);
      Class<? extends TType> type = TensorTypeRegistry.find(value.dtype()).type();
      Placeholder<?> feed = tf.placeholder(type);
      feeds.add(feed);
      assigns.add(assign(tf, graph.outputOrThrow(name), feed));
    }
    for (int start = 0; start < names.size(); start += CHUNK) {
      int end = Math.min(names.size(), start + CHUNK);
      List<Tensor> tensors = new ArrayList<>();
      try {
        Session.Runner runner = session.runner();
        for (int i = start; i < end; i++) {
          Tensor t = weights.get(names.get(i)).toTensor();
          tensors.add(t);
          runner.feed(feeds.get(i), t).addTarget(assigns.get(i));
        }
        try (var ignored = runner.run()) {
          // assignments only: nothing fetched
        }
      } finally {
        tensors.forEach(Tensor::close);
      }
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Operand<?> assign(Ops tf, org.tensorflow.Output<?> variable, Placeholder<?> value) {
    return tf.assign((Operand) variable, (Operand) value);
  }

  /** Reads the current values of the named variables from {@code session}. */
  public static Map<String, StoredTensor> read(Session session, List<String> variableOps) {
    Map<String, StoredTensor> values = new java.util.LinkedHashMap<>();
    for (int start = 0; start < variableOps.size(); start += CHUNK) {
      int end = Math.min(variableOps.size(), start + CHUNK);
      Session.Runner runner = session.runner();
      variableOps.subList(start, end).forEach(runner::fetch);
      try (var result = runner.run()) {
        for (int i = start; i < end; i++) {
          values.put(variableOps.get(i), StoredTensor.copyOf(result.get(i - start)));
        }
      }
    }
    return values;
  }
}
