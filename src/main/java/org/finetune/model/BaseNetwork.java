package org.finetune.model;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.finetune.error.FineTuneException;
import org.tensorflow.Graph;
import org.tensorflow.Output;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.types.TFloat32;

/**
 * A Keras base model rebuilt as a plain, trainable TensorFlow graph, with the weights it was
 * exported with. It holds no native resources: the graph is a {@link GraphDef} that callers import
 * into graphs of their own, and the weights live on the Java heap.
 */
public final class BaseNetwork {

  private final SavedModelFile source;
  private final GraphDef graphDef;
  private final String inputOp;
  private final String outputRef;
  private final List<ModelVariable> variables;
  private final Map<String, StoredTensor> weights;
  private final List<LayerInfo> layers;
  private volatile String fingerprint;

  BaseNetwork(
      SavedModelFile source,
      GraphDef graphDef,
      String inputOp,
      String outputRef,
      List<ModelVariable> variables,
      Map<String, StoredTensor> weights,
      List<LayerInfo> layers) {
    this.source = source;
    this.graphDef = graphDef;
    this.inputOp = inputOp;
    this.outputRef = outputRef;
    this.variables = List.copyOf(variables);
    this.weights = Map.copyOf(weights);
    this.layers = List.copyOf(layers);
  }

  /** Loads the SavedModel at {@code directory} and rebuilds its serving function; see {@link BaseNetworkLoader}. */
  public static BaseNetwork load(Path directory) {
    return BaseNetworkLoader.load(directory);
  }

  public Path directory() {
    return source.directory();
  }

  /** SHA-256 over the SavedModel's files ({@link ModelFingerprint}), computed once. */
  public String fingerprint() {
    String f = fingerprint;
    if (f == null) {
      f = ModelFingerprint.sha256(source.directory());
      fingerprint = f;
    }
    return f;
  }

  public ServingSignature signature() {
    return source.signature();
  }

  /** The rebuilt network; its input is a placeholder named {@link #inputOp()}. */
  public GraphDef graphDef() {
    return graphDef;
  }

  public String inputOp() {
    return inputOp;
  }

  /** The tensor that equals the serving signature's output. */
  public String outputRef() {
    return outputRef;
  }

  public List<ModelVariable> variables() {
    return variables;
  }

  /** The weights as exported, by variable op name. */
  public Map<String, StoredTensor> weights() {
    return weights;
  }

  public List<LayerInfo> layers() {
    return layers;
  }

  public Optional<LayerInfo> layer(String name) {
    return layers.stream().filter(l -> l.name().equals(name)).findFirst();
  }

  /** Static shape of the base's output (the last layer's), -1 for the batch. */
  public long[] outputShape() {
    return layers.isEmpty() ? source.signature().output().shape() : layers.get(layers.size() - 1).outputShape();
  }

  /**
   * The base up to and including {@code layerName}, without the layers after it: its output is
   * that layer's output, and its graph, variables and weights hold only what that output needs.
   */
  public BaseNetwork cutAt(String layerName) {
    if (layerName.equals(signature().input().key())) {
      throw FineTuneException.badOption(
          "Cannot cut at the input '" + layerName + "': nothing of the base would remain; cut at a later layer");
    }
    LayerInfo cut = layer(layerName).orElseThrow(() -> unknownLayer(layerName));
    if (cut.equals(layers.get(layers.size() - 1))) {
      throw FineTuneException.badOption(
          "Layer '" + layerName + "' is the base's output: cutting there keeps the whole base; use --strategy freeze");
    }
    GraphDef pruned = GraphPruner.keepAncestors(graphDef, cut.outputRef());
    java.util.Set<String> kept = new java.util.HashSet<>();
    pruned.getNodeList().forEach(n -> kept.add(n.getName()));
    List<ModelVariable> vars = variables.stream().filter(v -> kept.contains(v.opName())).toList();
    Map<String, StoredTensor> keptWeights = new java.util.LinkedHashMap<>();
    vars.forEach(v -> keptWeights.put(v.opName(), weights.get(v.opName())));
    List<LayerInfo> keptLayers =
        layers.stream().filter(l -> kept.contains(GraphPruner.nodeName(l.outputRef()))).toList();
    return new BaseNetwork(source, pruned, inputOp, cut.outputRef(), vars, keptWeights, keptLayers);
  }

  /** One line naming the unknown layer and listing the valid ones, in order. */
  public FineTuneException unknownLayer(String name) {
    return FineTuneException.badOption(
        "Unknown layer '" + name + "'; the base's layers are: "
            + String.join(", ", layers.stream().map(LayerInfo::name).toList()));
  }

  public long totalParams() {
    return variables.stream().mapToLong(ModelVariable::size).sum();
  }

  public long trainableParams() {
    return variables.stream().filter(ModelVariable::trainable).mapToLong(ModelVariable::size).sum();
  }

  /**
   * Imports the network into {@code graph} (which must not already hold it) and returns its
   * input and output. The variables are not initialised; see {@link WeightLoader}.
   */
  public ImportedNetwork importInto(Graph graph) {
    graph.importGraphDef(graphDef);
    @SuppressWarnings("unchecked")
    Output<TFloat32> input = (Output<TFloat32>) graph.outputOrThrow(inputOp);
    @SuppressWarnings("unchecked")
    Output<TFloat32> output = (Output<TFloat32>) graph.outputOrThrow(outputRef);
    return new ImportedNetwork(this, graph, input, output);
  }
}
