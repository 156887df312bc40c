package org.finetune.model;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;

/** Keeps the part of a graph that a tensor depends on. */
final class GraphPruner {

  private GraphPruner() {}

  /** The nodes {@code outputRef} depends on (itself included), in their original order. */
  static GraphDef keepAncestors(GraphDef graph, String outputRef) {
    Map<String, NodeDef> byName = new HashMap<>();
    graph.getNodeList().forEach(n -> byName.put(n.getName(), n));
    Set<String> needed = new HashSet<>();
    Deque<String> pending = new ArrayDeque<>();
    pending.push(nodeName(outputRef));
    while (!pending.isEmpty()) {
      String name = pending.pop();
      if (needed.add(name)) {
        byName.get(name).getInputList().forEach(input -> pending.push(nodeName(input)));
      }
    }
    GraphDef.Builder kept = GraphDef.newBuilder().setVersions(graph.getVersions()).setLibrary(graph.getLibrary());
    graph.getNodeList().stream().filter(n -> needed.contains(n.getName())).forEach(kept::addNode);
    return kept.build();
  }

  /** "a/b:1" and "^a/b" both name node "a/b". */
  static String nodeName(String ref) {
    String r = ref.startsWith("^") ? ref.substring(1) : ref;
    int colon = r.lastIndexOf(':');
    return colon < 0 ? r : r.substring(0, colon);
  }
}
