package org.finetune.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.finetune.error.FineTuneException;
import org.tensorflow.TensorFlow;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.OpDef;
import org.tensorflow.proto.TensorShapeProto;

/**
 * Turns the serving function of a Keras SavedModel into a plain graph.
 *
 * <p>Keras keeps the network inside the SavedModel's function library, called through {@code
 * StatefulPartitionedCall}s; gradients do not flow through those calls in TF Java (see
 * shared/notes/tf-java-findings.md). This class copies the bodies of the called functions into one
 * {@link GraphDef}, recursively, starting from the signature's output and keeping only what it
 * needs. Each captured resource variable becomes a {@code VariableV2} and each read of it an {@code
 * Identity}, which the C++ gradient registry and the framework optimizers handle.
 *
 * <p>It works on protos only; no TensorFlow graph is built here.
 */
final class FunctionInliner {

  /**
   * How a captured variable is known: its Keras name, whether Keras trains it, and its node in the
   * SavedModel's object graph ({@code -1} when the model has none, as TF1-style exports).
   */
  record VariableIdentity(String kerasName, boolean trainable, int objectId) {}

  /** A variable of the rebuilt graph, with the top-level handle its value is read from. */
  record CapturedVariable(String handle, String opName, VariableIdentity identity, DataType dtype, long[] shape) {}

  /** The result: a graph def holding the network, its input placeholder and its output tensor. */
  record InlinedGraph(GraphDef graphDef, String inputOp, String outputRef, List<CapturedVariable> variables) {}

  private static final Set<String> CALL_OPS = Set.of("StatefulPartitionedCall", "PartitionedCall");
  private static final Map<String, OpDef> OP_DEFS = new HashMap<>();

  private final Map<String, FunctionDef> functions = new HashMap<>();
  private final Map<String, NodeDef> topNodes = new HashMap<>();
  private final Map<String, VariableIdentity> identities;
  private final GraphDef.Builder out = GraphDef.newBuilder();
  private final Set<String> usedNames = new HashSet<>();
  private final Map<String, CapturedVariable> variables = new LinkedHashMap<>();
  private final String inputPlaceholder;
  private String inputOp;

  private FunctionInliner(GraphDef graph, String inputPlaceholder, Map<String, VariableIdentity> identities) {
    graph.getLibrary().getFunctionList().forEach(f -> functions.put(f.getSignature().getName(), f));
    graph.getNodeList().forEach(n -> topNodes.put(n.getName(), n));
    this.inputPlaceholder = inputPlaceholder;
    this.identities = identities;
    out.setVersions(graph.getVersions());
  }

  /**
   * Inlines everything the tensor {@code outputTensor} of {@code graph} depends on.
   *
   * @param inputTensor the signature's input tensor, e.g. {@code serving_default_input_1:0}
   * @param identities Keras names of the top-level variable handles, by handle op name
   */
  static InlinedGraph inline(
      GraphDef graph, String inputTensor, String outputTensor, Map<String, VariableIdentity> identities) {
    FunctionInliner inliner = new FunctionInliner(graph, opName(inputTensor), identities);
    // The recursion follows the network's depth (thousands of ops for ResNet50): give it room.
    Value[] result = new Value[1];
    RuntimeException[] failure = new RuntimeException[1];
    Thread worker =
        new Thread(
            null,
            () -> {
              try {
                result[0] = inliner.new TopLevel().resolve(outputTensor);
              } catch (RuntimeException e) {
                failure[0] = e;
              }
            },
            "function-inliner",
            512L << 20);
    worker.start();
    try {
      worker.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while rebuilding the graph", e);
    }
    if (failure[0] != null) {
      throw failure[0];
    }
    if (!(result[0] instanceof Value.Tensor tensor)) {
      throw FineTuneException.badModel("The serving output is not a tensor computed from the input");
    }
    if (inliner.inputOp == null) {
      throw FineTuneException.badModel("The serving output does not depend on the serving input");
    }
    return new InlinedGraph(
        inliner.out.build(), inliner.inputOp, tensor.ref(), List.copyOf(inliner.variables.values()));
  }

  /** A value flowing along an edge: a tensor of the new graph, or a captured variable (a resource). */
  private sealed interface Value {
    record Tensor(String ref) implements Value {}

    record Variable(CapturedVariable variable) implements Value {}
  }

  /** Where names are looked up: the top-level graph or the body of one call of a function. */
  private abstract class Frame {
    private final Map<String, List<Value>> outputs = new HashMap<>();

    abstract NodeDef node(String name);

    /** Splits a reference into node name and flat output index, or returns null for a function argument. */
    abstract NodeRef parse(String ref);

    abstract Value argument(String name);

    abstract String scope();

    Value resolve(String ref) {
      NodeRef r = parse(ref);
      if (r == null) {
        return argument(ref);
      }
      List<Value> values = outputs.get(r.node());
      if (values == null) {
        values = emit(node(r.node()));
        outputs.put(r.node(), values);
      }
      if (r.index() >= values.size()) {
        throw new IllegalStateException("Output " + r.index() + " of " + r.node() + " does not exist");
      }
      return values.get(r.index());
    }

    /** Adds the node (after its inputs) to the new graph and returns its outputs. */
    private List<Value> emit(NodeDef node) {
      String op = node.getOp();
      if (CALL_OPS.contains(op)) {
        return inlineCall(node);
      }
      if (op.equals("Placeholder") && this instanceof TopLevel) {
        return List.of(placeholder(node));
      }
      if (op.equals("VarHandleOp") && this instanceof TopLevel) {
        return List.of(new Value.Variable(variable(node)));
      }
      if (op.equals("VariableV2") && this instanceof TopLevel) { // a TF1-style graph, e.g. one this tool exported
        return List.of(new Value.Tensor(variable(node).opName() + ":0"));
      }
      List<Value> inputs = dataInputs(node);
      if (op.equals("ReadVariableOp") || (op.equals("Identity") && isResource(node))) {
        if (!(inputs.get(0) instanceof Value.Variable v)) {
          throw unsupported(node, "reads a resource that is not a captured variable");
        }
        return op.equals("Identity") ? List.of(v) : List.of(readVariable(node, v.variable()));
      }
      NodeDef.Builder copy = NodeDef.newBuilder().setName(uniqueName(scope() + node.getName())).setOp(op);
      for (Value input : inputs) {
        if (!(input instanceof Value.Tensor t)) {
          throw unsupported(node, "uses a variable directly; only reads of variables are supported");
        }
        copy.addInput(t.ref());
      }
      node.getAttrMap().forEach((k, v) -> {
        if (!k.startsWith("_")) {
          copy.putAttr(k, v);
        }
      });
      NodeDef emitted = copy.build();
      out.addNode(emitted);
      int count = outputCount(emitted);
      List<Value> values = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        values.add(new Value.Tensor(emitted.getName() + ":" + i));
      }
      return values;
    }

    private List<Value> dataInputs(NodeDef node) {
      List<Value> inputs = new ArrayList<>();
      for (String input : node.getInputList()) {
        if (!input.startsWith("^")) { // control edges only order side effects the inference path lacks
          inputs.add(resolve(input));
        }
      }
      return inputs;
    }

    private List<Value> inlineCall(NodeDef call) {
      String name = call.getAttrOrThrow("f").getFunc().getName();
      FunctionDef fn = functions.get(name);
      if (fn == null) {
        throw unsupported(call, "calls function " + name + ", which the SavedModel does not define");
      }
      String callScope = scope() + parentScope(call.getName());
      Body body = new Body(fn, dataInputs(call), callScope);
      List<Value> results = new ArrayList<>();
      fn.getSignature().getOutputArgList().forEach(arg -> results.add(body.resolve(fn.getRetOrThrow(arg.getName()))));
      return results;
    }
  }

  /** The top-level graph of the SavedModel: references read {@code node:index}. */
  private final class TopLevel extends Frame {
    @Override
    NodeDef node(String name) {
      NodeDef node = topNodes.get(name);
      if (node == null) {
        throw FineTuneException.badModel("The SavedModel graph has no node named " + name);
      }
      return node;
    }

    @Override
    NodeRef parse(String ref) {
      int colon = ref.lastIndexOf(':');
      return colon < 0 ? new NodeRef(ref, 0) : new NodeRef(ref.substring(0, colon), Integer.parseInt(ref.substring(colon + 1)));
    }

    @Override
    Value argument(String name) {
      throw new IllegalStateException("The top-level graph has no arguments: " + name);
    }

    @Override
    String scope() {
      return "";
    }
  }

  /** One inlined call: references read {@code arg} or {@code node:output_arg:index}. */
  private final class Body extends Frame {
    private final Map<String, NodeDef> nodes = new HashMap<>();
    private final Map<String, Value> arguments = new HashMap<>();
    private final String scope;

    Body(FunctionDef fn, List<Value> args, String scope) {
      fn.getNodeDefList().forEach(n -> nodes.put(n.getName(), n));
      var argDefs = fn.getSignature().getInputArgList();
      if (argDefs.size() != args.size()) {
        throw new IllegalStateException(
            fn.getSignature().getName() + " takes " + argDefs.size() + " arguments, the call passes " + args.size());
      }
      for (int i = 0; i < args.size(); i++) {
        arguments.put(argDefs.get(i).getName(), args.get(i));
      }
      this.scope = scope;
    }

    @Override
    NodeDef node(String name) {
      NodeDef node = nodes.get(name);
      if (node == null) {
        throw new IllegalStateException("Function body has no node named " + name);
      }
      return node;
    }

    @Override
    NodeRef parse(String ref) {
      String[] parts = ref.split(":");
      if (parts.length == 1) {
        return null;
      }
      NodeDef node = node(parts[0]);
      int index = Integer.parseInt(parts[2]);
      if (CALL_OPS.contains(node.getOp())) {
        return new NodeRef(parts[0], index); // a call's outputs are a single list
      }
      return new NodeRef(parts[0], flatIndex(node, parts[1], index));
    }

    @Override
    Value argument(String name) {
      Value v = arguments.get(name);
      if (v == null) {
        throw new IllegalStateException("Unknown function argument " + name);
      }
      return v;
    }

    @Override
    String scope() {
      return scope;
    }
  }

  private record NodeRef(String node, int index) {}

  private Value placeholder(NodeDef node) {
    if (!node.getName().equals(inputPlaceholder)) {
      throw FineTuneException.badModel(
          "The serving output depends on placeholder " + node.getName() + " besides the input " + inputPlaceholder);
    }
    inputOp = uniqueName("input");
    NodeDef.Builder copy = NodeDef.newBuilder().setName(inputOp).setOp("Placeholder");
    copy.putAttr("dtype", node.getAttrOrThrow("dtype"));
    if (node.containsAttr("shape")) {
      copy.putAttr("shape", node.getAttrOrThrow("shape"));
    }
    out.addNode(copy.build());
    return new Value.Tensor(inputOp + ":0");
  }

  private CapturedVariable variable(NodeDef handle) {
    CapturedVariable known = variables.get(handle.getName());
    if (known != null) {
      return known;
    }
    VariableIdentity identity = identities.getOrDefault(handle.getName(), fallbackIdentity(handle));
    DataType dtype = handle.getAttrOrThrow("dtype").getType();
    TensorShapeProto shape = handle.getAttrOrThrow("shape").getShape();
    String opName = uniqueName(sanitize(identity.kerasName()));
    out.addNode(
        NodeDef.newBuilder()
            .setName(opName)
            .setOp("VariableV2")
            .putAttr("dtype", AttrValue.newBuilder().setType(dtype).build())
            .putAttr("shape", AttrValue.newBuilder().setShape(shape).build())
            .putAttr("container", AttrValue.newBuilder().setS(com.google.protobuf.ByteString.EMPTY).build())
            .putAttr("shared_name", AttrValue.newBuilder().setS(com.google.protobuf.ByteString.EMPTY).build())
            .build());
    long[] dims = shape.getDimList().stream().mapToLong(TensorShapeProto.Dim::getSize).toArray();
    CapturedVariable v = new CapturedVariable(handle.getName(), opName, identity, dtype, dims);
    variables.put(handle.getName(), v);
    return v;
  }

  private Value readVariable(NodeDef read, CapturedVariable variable) {
    String name = uniqueName(read.getName());
    out.addNode(
        NodeDef.newBuilder()
            .setName(name)
            .setOp("Identity")
            .addInput(variable.opName())
            .putAttr("T", AttrValue.newBuilder().setType(variable.dtype()).build())
            .build());
    return new Value.Tensor(name + ":0");
  }

  private static VariableIdentity fallbackIdentity(NodeDef handle) {
    String name = handle.getAttrOrThrow("shared_name").getS().toStringUtf8();
    if (name.isEmpty()) {
      name = handle.getName();
    }
    boolean statistic = name.endsWith("moving_mean") || name.endsWith("moving_variance");
    return new VariableIdentity(name, !statistic, -1);
  }

  /** Variable op names must not hold '/': the optimizer derives slot names from them. */
  static String sanitize(String kerasName) {
    String s = kerasName.replace('/', '.').replaceAll("[^A-Za-z0-9_.\\-]", "_");
    return s.isEmpty() || s.charAt(0) == '-' || s.charAt(0) == '_' ? "v" + s : s;
  }

  private String uniqueName(String wanted) {
    String name = wanted;
    for (int i = 1; !usedNames.add(name); i++) {
      name = wanted + "_" + i;
    }
    return name;
  }

  private static String parentScope(String nodeName) {
    int slash = nodeName.lastIndexOf('/');
    return slash < 0 ? "" : nodeName.substring(0, slash + 1);
  }

  private static String opName(String tensorName) {
    int colon = tensorName.lastIndexOf(':');
    return colon < 0 ? tensorName : tensorName.substring(0, colon);
  }

  private static boolean isResource(NodeDef node) {
    AttrValue t = node.getAttrMap().get("T");
    return t != null && t.getType() == DataType.DT_RESOURCE;
  }

  private static FineTuneException unsupported(NodeDef node, String why) {
    return FineTuneException.badModel(
        "Cannot rebuild the model as a trainable graph: op " + node.getName() + " (" + node.getOp() + ") " + why);
  }

  private static OpDef opDef(String op) {
    synchronized (OP_DEFS) {
      if (OP_DEFS.isEmpty()) {
        TensorFlow.registeredOpList().getOpList().forEach(d -> OP_DEFS.put(d.getName(), d));
      }
      OpDef def = OP_DEFS.get(op);
      if (def == null) {
        throw FineTuneException.badModel("The model uses op " + op + ", which this TensorFlow runtime does not have");
      }
      return def;
    }
  }

  /** The flat output index of {@code node:arg:index}: the sizes of the output args before {@code arg}, plus index. */
  private static int flatIndex(NodeDef node, String argName, int index) {
    int offset = 0;
    for (OpDef.ArgDef arg : opDef(node.getOp()).getOutputArgList()) {
      if (arg.getName().equals(argName)) {
        return offset + index;
      }
      offset += argSize(node, arg);
    }
    throw new IllegalStateException(node.getOp() + " has no output named " + argName);
  }

  private static int outputCount(NodeDef node) {
    int count = 0;
    for (OpDef.ArgDef arg : opDef(node.getOp()).getOutputArgList()) {
      count += argSize(node, arg);
    }
    return count;
  }

  private static int argSize(NodeDef node, OpDef.ArgDef arg) {
    if (!arg.getNumberAttr().isEmpty()) {
      return (int) node.getAttrOrThrow(arg.getNumberAttr()).getI();
    }
    if (!arg.getTypeListAttr().isEmpty()) {
      return node.getAttrOrThrow(arg.getTypeListAttr()).getList().getTypeCount();
    }
    return 1;
  }
}
