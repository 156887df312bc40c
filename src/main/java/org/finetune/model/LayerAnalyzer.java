package org.finetune.model;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;

/**
 * Recovers the Keras layers of a rebuilt graph from its node names.
 *
 * <p>Keras names every op after the layer that made it ({@code model/block_1_expand/Conv2D}), and
 * every weight after its layer ({@code block_1_expand/kernel}). The weighted layers anchor the
 * search: they tell at which depth of the name the layer sits, and whether this export appended a
 * uniquifying suffix to the scopes (Keras 3 traces them as {@code Conv1_1}). Layers without
 * weights (activations, padding, additions) are then read at the same depth.
 */
final class LayerAnalyzer {

  private static final Pattern NUMERIC_SUFFIX = Pattern.compile("_\\d+$");

  /** The op types that name a layer's kind, in the order they are looked for. */
  private static final List<Map.Entry<String, String>> KINDS =
      List.of(
          Map.entry("DepthwiseConv2dNative", "DepthwiseConv2D"),
          Map.entry("Conv2D", "Conv2D"),
          Map.entry("MatMul", "Dense"),
          Map.entry("FusedBatchNormV3", "BatchNormalization"),
          Map.entry("Rsqrt", "BatchNormalization"),
          Map.entry("Pad", "ZeroPadding2D"),
          Map.entry("MaxPool", "MaxPooling2D"),
          Map.entry("AvgPool", "AveragePooling2D"),
          Map.entry("Mean", "GlobalAveragePooling2D"),
          Map.entry("Max", "GlobalMaxPooling2D"),
          Map.entry("ConcatV2", "Concatenate"),
          Map.entry("AddV2", "Add"),
          Map.entry("Add", "Add"),
          Map.entry("Relu6", "ReLU"),
          Map.entry("Relu", "Activation"),
          Map.entry("Softmax", "Activation"),
          Map.entry("Sigmoid", "Activation"),
          Map.entry("Reshape", "Reshape"),
          Map.entry("Mul", "Multiply"));

  private final GraphDef graph;
  private final Map<String, String> variableLayer; // variable op name -> layer
  private final Set<String> weightedLayers;
  private final Map<String, NodeDef> nodes = new HashMap<>();
  private int depth;
  private boolean suffixed;

  private LayerAnalyzer(GraphDef graph, Map<String, String> variableLayer) {
    this.graph = graph;
    this.variableLayer = variableLayer;
    this.weightedLayers = new LinkedHashSet<>(variableLayer.values());
    graph.getNodeList().forEach(n -> nodes.put(n.getName(), n));
  }

  /** The layer a Keras variable belongs to: its name up to the last '/'. */
  static String layerOf(String kerasVariableName) {
    int slash = kerasVariableName.lastIndexOf('/');
    return slash < 0 ? kerasVariableName : kerasVariableName.substring(0, slash);
  }

  /**
   * Lists the layers in graph order.
   *
   * @param variables the rebuilt graph's variables
   * @param outputRef the network's output tensor, which the last layer produces
   * @param shapeOf static shape of a tensor of the graph, by reference
   */
  static List<LayerInfo> analyze(
      GraphDef graph, List<ModelVariable> variables, String outputRef, Function<String, long[]> shapeOf) {
    Map<String, String> variableLayer = new LinkedHashMap<>();
    variables.forEach(v -> variableLayer.put(v.opName(), v.layer()));
    return new LayerAnalyzer(graph, variableLayer).layers(variables, outputRef, shapeOf);
  }

  private List<LayerInfo> layers(List<ModelVariable> variables, String outputRef, Function<String, long[]> shapeOf) {
    calibrate();
    Map<String, List<NodeDef>> byLayer = new LinkedHashMap<>();
    Map<String, String> layerOfNode = new HashMap<>();
    for (NodeDef node : graph.getNodeList()) {
      String layer = layerOfNode(node);
      if (layer != null) {
        layerOfNode.put(node.getName(), layer);
        if (!node.getOp().equals("Const") || byLayer.containsKey(layer)) {
          byLayer.computeIfAbsent(layer, k -> new ArrayList<>()).add(node);
        }
      }
    }
    Map<String, String> lastOutput = outputsLeavingLayers(layerOfNode, outputRef);
    Map<String, Set<String>> inputs = inputsFromOutside(layerOfNode);
    List<LayerInfo> layers = new ArrayList<>();
    for (String name : kerasOrder(byLayer.keySet(), layerOfNode)) {
      List<NodeDef> nodes = byLayer.get(name);
      String out = lastOutput.get(name);
      if (out == null) {
        continue; // nothing of it reaches the rest of the network
      }
      List<ModelVariable> weights = variables.stream().filter(v -> v.layer().equals(name)).toList();
      long params = weights.stream().mapToLong(ModelVariable::size).sum();
      long trainable = weights.stream().filter(ModelVariable::trainable).mapToLong(ModelVariable::size).sum();
      layers.add(
          new LayerInfo(
              name,
              kind(nodes),
              List.copyOf(inputs.getOrDefault(name, Set.of())),
              out,
              shapeOf.apply(out),
              weights.stream().map(ModelVariable::opName).toList(),
              params,
              trainable));
    }
    return layers;
  }

  /** For each layer, the tensors it reads from other layers or from the network's input. */
  private Map<String, Set<String>> inputsFromOutside(Map<String, String> layerOfNode) {
    Map<String, Set<String>> inputs = new HashMap<>();
    for (NodeDef node : graph.getNodeList()) {
      String consumer = layerOfNode.get(node.getName());
      if (consumer == null) {
        continue;
      }
      for (String input : node.getInputList()) {
        if (input.startsWith("^")) {
          continue;
        }
        NodeDef producerNode = nodes.get(nodeName(input));
        String producer = layerOfNode.get(nodeName(input));
        boolean fromInput = producerNode != null && producerNode.getOp().equals("Placeholder");
        if (fromInput || (producer != null && !producer.equals(consumer))) {
          inputs.computeIfAbsent(consumer, k -> new LinkedHashSet<>()).add(withIndex(input));
        }
      }
    }
    return inputs;
  }

  /**
   * Orders layers as Keras' summary does: by depth, the longest path to the output, deepest
   * first; layers of equal depth (parallel branches, e.g. a ResNet shortcut) keep graph order.
   */
  private List<String> kerasOrder(Set<String> layers, Map<String, String> layerOfNode) {
    Map<String, Set<String>> consumers = new HashMap<>();
    for (NodeDef node : graph.getNodeList()) {
      String consumer = layerOfNode.get(node.getName());
      for (String input : node.getInputList()) {
        String producer = layerOfNode.get(nodeName(input));
        if (consumer != null && producer != null && !producer.equals(consumer)) {
          consumers.computeIfAbsent(producer, k -> new LinkedHashSet<>()).add(consumer);
        }
      }
    }
    List<String> graphOrder = new ArrayList<>(layers);
    Map<String, Integer> depth = new HashMap<>();
    for (int i = graphOrder.size() - 1; i >= 0; i--) { // consumers come later in graph order
      String layer = graphOrder.get(i);
      int d = 0;
      for (String c : consumers.getOrDefault(layer, Set.of())) {
        d = Math.max(d, depth.getOrDefault(c, 0) + 1);
      }
      depth.put(layer, d);
    }
    List<String> ordered = new ArrayList<>(graphOrder);
    ordered.sort(Comparator.comparing((String l) -> -depth.get(l)).thenComparing(graphOrder::indexOf));
    return ordered;
  }

  /** Finds at which name depth the weighted layers sit and whether their scopes carry a suffix. */
  private void calibrate() {
    Map<Integer, Integer> depthVotes = new HashMap<>();
    int plain = 0;
    int stripped = 0;
    for (NodeDef node : graph.getNodeList()) {
      String weighted = readVariableLayer(node);
      if (weighted == null) {
        continue;
      }
      String[] path = node.getName().split("/");
      for (int i = 0; i < path.length - 1; i++) {
        if (path[i].equals(weighted)) {
          depthVotes.merge(i, 1, Integer::sum);
          plain++;
          break;
        }
        if (strip(path[i]).equals(weighted)) {
          depthVotes.merge(i, 1, Integer::sum);
          stripped++;
          break;
        }
      }
    }
    depth = depthVotes.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(1);
    suffixed = stripped > plain;
  }

  /** The layer of the variable a node reads, if it is a read of a variable. */
  private String readVariableLayer(NodeDef node) {
    if (!node.getOp().equals("Identity") || node.getInputCount() != 1) {
      return null;
    }
    return variableLayer.get(node.getInput(0));
  }

  private String layerOfNode(NodeDef node) {
    String op = node.getOp();
    if (op.equals("VariableV2") || op.equals("Placeholder")) {
      return null;
    }
    String[] path = node.getName().split("/");
    for (int i = 0; i < path.length - 1; i++) {
      if (weightedLayers.contains(path[i])) {
        return path[i];
      }
      if (weightedLayers.contains(strip(path[i]))) {
        return strip(path[i]);
      }
    }
    if (path.length <= depth + 1) {
      return null;
    }
    return suffixed ? strip(path[depth]) : path[depth];
  }

  private static String strip(String scope) {
    return NUMERIC_SUFFIX.matcher(scope).replaceFirst("");
  }

  /** For each layer, the last of its tensors (in graph order) that another layer or the network output uses. */
  private Map<String, String> outputsLeavingLayers(Map<String, String> layerOfNode, String outputRef) {
    Set<String> leaving = new LinkedHashSet<>();
    for (NodeDef node : graph.getNodeList()) {
      String consumer = layerOfNode.get(node.getName());
      for (String input : node.getInputList()) {
        String producer = layerOfNode.get(nodeName(input));
        if (producer != null && !producer.equals(consumer)) {
          leaving.add(withIndex(input));
        }
      }
    }
    leaving.add(withIndex(outputRef));
    Map<String, Integer> order = new HashMap<>();
    for (int i = 0; i < graph.getNodeCount(); i++) {
      order.put(graph.getNode(i).getName(), i);
    }
    Map<String, String> last = new HashMap<>();
    for (String ref : leaving) {
      String layer = layerOfNode.get(nodeName(ref));
      if (layer == null) {
        continue;
      }
      String current = last.get(layer);
      if (current == null || order.get(nodeName(ref)) > order.get(nodeName(current))) {
        last.put(layer, ref);
      }
    }
    return last;
  }

  private static String kind(List<NodeDef> nodes) {
    Set<String> ops = new LinkedHashSet<>();
    nodes.forEach(n -> ops.add(n.getOp()));
    for (var k : KINDS) {
      if (ops.contains(k.getKey())) {
        return k.getValue();
      }
    }
    return ops.isEmpty() ? "Layer" : ops.iterator().next();
  }

  private static String nodeName(String ref) {
    String r = ref.startsWith("^") ? ref.substring(1) : ref;
    int colon = r.lastIndexOf(':');
    return colon < 0 ? r : r.substring(0, colon);
  }

  private static String withIndex(String ref) {
    return ref.contains(":") ? ref : ref + ":0";
  }
}
