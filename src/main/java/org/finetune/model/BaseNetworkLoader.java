package org.finetune.model;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.finetune.error.FineTuneException;
import org.finetune.model.FunctionInliner.CapturedVariable;
import org.finetune.model.FunctionInliner.InlinedGraph;
import org.finetune.model.FunctionInliner.VariableIdentity;
import org.tensorflow.Graph;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedObjectGraphOuterClass.SavedConcreteFunction;
import org.tensorflow.proto.SavedObjectGraphOuterClass.SavedObject;
import org.tensorflow.proto.SavedObjectGraphOuterClass.SavedObjectGraph;
import org.tensorflow.proto.TrackableObjectGraphOuterClass.TrackableObjectGraph;

/** Reads a Keras SavedModel, rebuilds its serving function as a plain graph and copies its weights. */
final class BaseNetworkLoader {

  private BaseNetworkLoader() {}

  static BaseNetwork load(Path directory) {
    SavedModelFile file = SavedModelFile.read(directory);
    MetaGraphDef meta = file.metaGraph();
    ServingSignature signature = file.signature();
    InlinedGraph inlined =
        FunctionInliner.inline(
            meta.getGraphDef(),
            signature.input().tensorName(),
            signature.output().tensorName(),
            variableIdentities(meta, opName(signature.output().tensorName())));
    List<ModelVariable> variables = inlined.variables().stream().map(BaseNetworkLoader::toModelVariable).toList();
    Map<String, StoredTensor> weights = readWeights(directory, inlined.variables());
    List<LayerInfo> layers = layers(inlined.graphDef(), variables, inlined.outputRef());
    return new BaseNetwork(file, inlined.graphDef(), inlined.inputOp(), inlined.outputRef(), variables, weights, layers);
  }

  private static ModelVariable toModelVariable(CapturedVariable v) {
    VariableIdentity id = v.identity();
    return new ModelVariable(
        id.kerasName(), v.opName(), LayerAnalyzer.layerOf(id.kerasName()), v.dtype(), v.shape(), id.trainable());
  }

  /**
   * Names the variables the serving call captures. The object graph of a TF2 SavedModel lists, for
   * each concrete function, the objects bound to its captured inputs; those carry the Keras name and
   * the trainable flag. Handles not found there fall back to their op names.
   */
  private static Map<String, VariableIdentity> variableIdentities(MetaGraphDef meta, String outputNode) {
    Map<String, VariableIdentity> identities = new HashMap<>();
    NodeDef call = callNode(meta.getGraphDef(), outputNode);
    if (call == null || !meta.hasObjectGraphDef()) {
      return identities;
    }
    SavedObjectGraph objects = meta.getObjectGraphDef();
    SavedConcreteFunction fn = objects.getConcreteFunctionsMap().get(call.getAttrOrThrow("f").getFunc().getName());
    if (fn == null) {
      return identities;
    }
    List<String> inputs = call.getInputList().stream().filter(i -> !i.startsWith("^")).toList();
    int bound = fn.getBoundInputsCount();
    for (int i = 0; i < bound && i < inputs.size(); i++) {
      String handle = opName(inputs.get(inputs.size() - bound + i));
      SavedObject object = objects.getNodes(fn.getBoundInputs(i));
      if (object.hasVariable()) {
        var variable = object.getVariable();
        identities.put(handle, new VariableIdentity(variable.getName(), variable.getTrainable(), fn.getBoundInputs(i)));
      }
    }
    return identities;
  }

  private static NodeDef callNode(GraphDef graph, String nodeName) {
    Map<String, NodeDef> nodes = new HashMap<>();
    graph.getNodeList().forEach(n -> nodes.put(n.getName(), n));
    NodeDef node = nodes.get(nodeName);
    while (node != null && node.getOp().equals("Identity") && node.getInputCount() > 0) {
      node = nodes.get(opName(node.getInput(0)));
    }
    return node != null && node.getOp().endsWith("PartitionedCall") ? node : null;
  }

  /**
   * Reads the captured variables from the model's checkpoint. TF2 checkpoints key tensors by object
   * path ({@code variables/3/.ATTRIBUTES/VARIABLE_VALUE}): the object graph stored in the checkpoint
   * maps the variable's object id to that key. TF1 checkpoints key them by variable name.
   */
  private static Map<String, StoredTensor> readWeights(Path directory, List<CapturedVariable> variables) {
    CheckpointReader reader = new CheckpointReader(directory);
    boolean tf2 = variables.stream().anyMatch(v -> v.identity().objectId() >= 0);
    TrackableObjectGraph objects = tf2 ? reader.objectGraph() : null;
    List<CheckpointReader.Entry> entries = new ArrayList<>();
    for (CapturedVariable v : variables) {
      entries.add(new CheckpointReader.Entry(checkpointKey(v, objects), v.dtype()));
    }
    Map<String, StoredTensor> byKey = reader.read(entries);
    Map<String, StoredTensor> weights = new LinkedHashMap<>();
    for (int i = 0; i < variables.size(); i++) {
      CapturedVariable v = variables.get(i);
      StoredTensor value = byKey.get(entries.get(i).key());
      if (!java.util.Arrays.equals(value.shape(), v.shape())) {
        throw FineTuneException.badModel(
            "Weight " + v.identity().kerasName() + " in the checkpoint of " + directory + " has shape "
                + java.util.Arrays.toString(value.shape()) + ", the graph expects " + java.util.Arrays.toString(v.shape()));
      }
      weights.put(v.opName(), value);
    }
    return weights;
  }

  private static String checkpointKey(CapturedVariable v, TrackableObjectGraph objects) {
    int id = v.identity().objectId();
    if (id < 0 || objects == null) {
      return v.identity().kerasName();
    }
    if (id >= objects.getNodesCount()) {
      throw FineTuneException.badModel("The checkpoint's object graph has no object " + id + " for " + v.identity().kerasName());
    }
    return objects.getNodes(id).getAttributesList().stream()
        .filter(a -> a.getName().equals("VARIABLE_VALUE"))
        .map(a -> a.getCheckpointKey())
        .findFirst()
        .orElseThrow(() -> FineTuneException.badModel(
            "The checkpoint stores no value for variable " + v.identity().kerasName()));
  }

  private static List<LayerInfo> layers(GraphDef graphDef, List<ModelVariable> variables, String outputRef) {
    try (Graph graph = new Graph()) {
      graph.importGraphDef(graphDef);
      return LayerAnalyzer.analyze(graphDef, variables, outputRef, ref -> graph.outputOrThrow(ref).shape().asArray());
    }
  }

  static String opName(String tensorName) {
    int colon = tensorName.lastIndexOf(':');
    return colon < 0 ? tensorName : tensorName.substring(0, colon);
  }

  static String firstLine(String message) {
    if (message == null) {
      return "unknown TensorFlow error";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }
}
