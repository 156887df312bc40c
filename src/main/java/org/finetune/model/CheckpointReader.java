package org.finetune.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.finetune.error.FineTuneException;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.exceptions.TFInvalidArgumentException;
import org.tensorflow.exceptions.TFInvalidArgumentException;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.internal.types.registry.TensorTypeRegistry;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.op.Ops;
import org.tensorflow.op.train.Restore;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.TrackableObjectGraphOuterClass.TrackableObjectGraph;
import org.tensorflow.types.TString;
import org.tensorflow.types.family.TType;

/**
 * Reads tensors by key from a SavedModel's {@code variables/variables} checkpoint with a {@code
 * RestoreV2} op, without loading the SavedModel. Reading the checkpoint rather than the loaded
 * bundle also works for exports whose graph the C++ loader leaves uninitialised (a Keras 3 model
 * saved with {@code tf.saved_model.save}).
 */
final class CheckpointReader {

  /** The key under which TF2 checkpoints store their object graph. */
  static final String OBJECT_GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH";

  private static final int CHUNK = 64;

  private final Path prefix;

  CheckpointReader(Path savedModelDir) {
    this.prefix = savedModelDir.resolve("variables").resolve("variables");
    if (!Files.exists(Path.of(prefix + ".index"))) {
      throw FineTuneException.badModel(
          "Not a complete SavedModel: " + savedModelDir + " has no variables/variables.index");
    }
  }

  /** A tensor to read: its checkpoint key and dtype. */
  record Entry(String key, DataType dtype) {}

  /** The object graph of a TF2 checkpoint, which maps object ids to checkpoint keys. */
  TrackableObjectGraph objectGraph() {
    try (Graph graph = new Graph(); Session session = new Session(graph)) {
      Restore restore = restoreOp(Ops.create(graph), List.of(new Entry(OBJECT_GRAPH_KEY, DataType.DT_STRING)));
      try (Result result = session.runner().fetch(restore.tensors().get(0)).run()) {
        byte[] bytes = ((TString) result.get(0)).asBytes().getObject();
        return TrackableObjectGraph.parseFrom(bytes);
      }
    } catch (TensorFlowException | TFInvalidArgumentException | com.google.protobuf.InvalidProtocolBufferException e) {
      throw new FineTuneException(
          FineTuneException.Kind.BAD_MODEL,
          "Cannot read the object graph of the checkpoint " + prefix + ": " + BaseNetworkLoader.firstLine(e.getMessage()),
          e);
    }
  }

  /** Reads the given entries; the result is keyed by checkpoint key. */
  Map<String, StoredTensor> read(List<Entry> entries) {
    Map<String, StoredTensor> values = new LinkedHashMap<>();
    try (Graph graph = new Graph(); Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      for (int start = 0; start < entries.size(); start += CHUNK) {
        List<Entry> chunk = entries.subList(start, Math.min(entries.size(), start + CHUNK));
        Restore restore = restoreOp(tf, chunk);
        Session.Runner runner = session.runner();
        restore.tensors().forEach(runner::fetch);
        try (Result result = runner.run()) {
          for (int i = 0; i < chunk.size(); i++) {
            values.put(chunk.get(i).key(), StoredTensor.copyOf(result.get(i)));
          }
        }
      }
    } catch (TensorFlowException | TFInvalidArgumentException e) {
      throw new FineTuneException(
          FineTuneException.Kind.BAD_MODEL,
          "Cannot read the weights in " + prefix + ": " + BaseNetworkLoader.firstLine(e.getMessage()),
          e);
    }
    return values;
  }

  private Restore restoreOp(Ops tf, List<Entry> chunk) {
    String[] keys = chunk.stream().map(Entry::key).toArray(String[]::new);
    String[] slices = new String[keys.length];
    java.util.Arrays.fill(slices, "");
    List<Class<? extends TType>> types = new ArrayList<>();
    chunk.forEach(e -> types.add(TensorTypeRegistry.find(e.dtype()).type()));
    return tf.train.restore(
        tf.constant(prefix.toString()),
        tf.constant(NdArrays.vectorOfObjects(keys)),
        tf.constant(NdArrays.vectorOfObjects(slices)),
        types);
  }
}
