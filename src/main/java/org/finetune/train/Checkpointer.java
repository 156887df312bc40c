package org.finetune.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.finetune.error.FineTuneException;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.exceptions.TFInvalidArgumentException;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.train.Restore;
import org.tensorflow.types.TString;
import org.tensorflow.types.family.TType;

/**
 * Saves and restores every variable of a graph (weights, head, optimizer slots and powers) as a
 * TensorFlow checkpoint keyed by variable name, which the export graph restores its weights from.
 *
 * <p>Its own {@code SaveV2}/{@code RestoreV2} ops rather than {@code Session.save}: that one leaves
 * the filename tensor and the result of every call unclosed (a leak per checkpoint over a long
 * run), and it builds its saver once, missing variables created after the first save.
 */
final class Checkpointer {

  private final Placeholder<TString> filename;
  private final Op save;
  private final Op restore;

  /** Builds the ops over the graph's variables; call after every variable exists. */
  Checkpointer(Graph graph) {
    Ops tf = Ops.create(graph).withSubScope("checkpoint");
    List<String> names = new ArrayList<>();
    List<Output<?>> variables = new ArrayList<>();
    for (Iterator<GraphOperation> it = graph.operations(); it.hasNext(); ) {
      GraphOperation op = it.next();
      if (op.type().equals("VariableV2")) {
        names.add(op.name());
        variables.add(op.output(0));
      }
    }
    filename = tf.withName("filename").placeholder(TString.class);
    Operand<TString> keys = tf.constant(NdArrays.vectorOfObjects(names.toArray(String[]::new)));
    Operand<TString> slices = tf.constant(NdArrays.vectorOfObjects(names.stream().map(n -> "").toArray(String[]::new)));
    save = tf.withName("save").train.save(filename, keys, slices, List.<Operand<?>>copyOf(variables));
    List<Class<? extends TType>> types = variables.stream().<Class<? extends TType>>map(Output::type).toList();
    Restore values = tf.train.restore(filename, keys, slices, types);
    List<Op> assigns = new ArrayList<>();
    for (int i = 0; i < variables.size(); i++) {
      assigns.add(assign(tf, variables.get(i), values.tensors().get(i)));
    }
    restore = tf.withControlDependencies(assigns).withName("restore").noOp();
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Op assign(Ops tf, Output<?> variable, Output<?> value) {
    return tf.assign((Operand) variable, (Operand) value);
  }

  /** Writes every variable to the checkpoint {@code prefix} (files {@code prefix.index}, {@code prefix.data-*}). */
  void save(Session session, Path prefix) {
    run(session, save, prefix, "write");
  }

  /** Sets every variable from the checkpoint {@code prefix}. */
  void restore(Session session, Path prefix) {
    run(session, restore, prefix, "read");
  }

  private void run(Session session, Op target, Path prefix, String what) {
    try (TString name = TString.scalarOf(prefix.toString());
        Result ignored = session.runner().feed(filename, name).addTarget(target).run()) {
      // variables written or assigned; nothing fetched
    } catch (TensorFlowException | TFInvalidArgumentException e) {
      throw new FineTuneException(
          FineTuneException.Kind.RUNTIME,
          "Cannot " + what + " the checkpoint " + prefix + ": " + e.getMessage().lines().findFirst().orElse(""), e);
    }
  }
}
