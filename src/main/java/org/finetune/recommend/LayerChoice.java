package org.finetune.recommend;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.finetune.model.BaseNetwork;
import org.finetune.model.LayerInfo;

/**
 * Where a base can sensibly be cut, and which of its layers form its last stage. Both are read off
 * the layer graph of {@link BaseNetwork#layers()}, which lists layers in Keras order (every layer
 * after the layers it reads).
 */
final class LayerChoice {

  /**
   * Steps inside a convolution unit (convolution, normalisation, activation): cutting before these
   * leaves the unit half done. Padding is not among them: it starts the next unit.
   */
  private static final Set<String> UNIT_STEPS = Set.of("BatchNormalization", "ReLU", "Activation");

  private LayerChoice() {}

  /**
   * The layers a {@code cut} may keep the base up to, in Keras order: layers that every path from
   * the input to the output passes (so the cut keeps a whole network, no branch half computed),
   * whose output is not just the next step of a convolution unit (a convolution's output before
   * its normalisation or activation), that are not padding and not the base's last layer.
   */
  static List<LayerInfo> cutCandidates(BaseNetwork base) {
    List<LayerInfo> layers = base.layers();
    Map<String, Integer> producer = producers(base);
    int[] reach = furthestConsumer(layers, producer);
    List<LayerInfo> candidates = new ArrayList<>();
    int furthest = reach[0]; // edges leaving the input (position 0 here, layers from 1)
    for (int i = 0; i < layers.size() - 1; i++) {
      LayerInfo layer = layers.get(i);
      boolean everyPathPasses = furthest <= i + 1;
      furthest = Math.max(furthest, reach[i + 1]);
      if (everyPathPasses && !layer.type().equals("ZeroPadding2D") && !onlyFeedsUnitSteps(layer, layers)) {
        candidates.add(layer);
      }
    }
    return candidates;
  }

  /**
   * The base's last stage: the layers with weights to train (BatchNormalization aside, as {@code
   * --top} counts them) whose output has the spatial size of the last such layer's output, i.e.
   * everything after the last downsampling. VGG16's block5 convolutions, ResNet50's conv5 stage,
   * MobileNetV2's blocks 13 to 16 and Conv_1.
   */
  static List<LayerInfo> lastStage(BaseNetwork base) {
    List<LayerInfo> trainable = base.layers().stream()
        .filter(l -> l.trainableParams() > 0 && !l.type().equals("BatchNormalization"))
        .toList();
    if (trainable.isEmpty()) {
      return List.of();
    }
    long[] size = spatial(trainable.get(trainable.size() - 1));
    return trainable.stream().filter(l -> Arrays.equals(spatial(l), size)).toList();
  }

  /** Height and width (every dimension between batch and channels). */
  private static long[] spatial(LayerInfo layer) {
    long[] shape = layer.outputShape();
    return shape.length <= 2 ? new long[0] : Arrays.copyOfRange(shape, 1, shape.length - 1);
  }

  /** Position of the layer producing each output tensor: 0 for the network's input, layers from 1. */
  private static Map<String, Integer> producers(BaseNetwork base) {
    Map<String, Integer> producer = new HashMap<>();
    producer.put(base.inputOp() + ":0", 0);
    List<LayerInfo> layers = base.layers();
    for (int i = 0; i < layers.size(); i++) {
      producer.put(layers.get(i).outputRef(), i + 1);
    }
    return producer;
  }

  /**
   * For each position (0 the input, layers from 1), the furthest position that reads its output.
   * A tensor that is not a layer's output (an inner tensor of a layer read by another) counts as
   * produced by the last layer before its reader, i.e. it spans nothing.
   */
  private static int[] furthestConsumer(List<LayerInfo> layers, Map<String, Integer> producer) {
    int[] reach = new int[layers.size() + 1];
    for (int i = 0; i < reach.length; i++) {
      reach[i] = i;
    }
    for (int i = 0; i < layers.size(); i++) {
      for (String ref : layers.get(i).inputRefs()) {
        int from = producer.getOrDefault(ref, i);
        reach[from] = Math.max(reach[from], i + 1);
      }
    }
    return reach;
  }

  private static boolean onlyFeedsUnitSteps(LayerInfo layer, List<LayerInfo> layers) {
    List<LayerInfo> consumers = layers.stream().filter(l -> l.inputRefs().contains(layer.outputRef())).toList();
    return !consumers.isEmpty()
        && consumers.stream().allMatch(c -> UNIT_STEPS.contains(c.type()) && c.inputRefs().size() == 1);
  }
}
