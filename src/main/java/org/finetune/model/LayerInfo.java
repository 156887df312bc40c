package org.finetune.model;

import java.util.List;

/**
 * A Keras layer as recovered from the rebuilt graph, for {@code inspect} and for choosing where to
 * cut or unfreeze the base.
 *
 * @param name the Keras layer name, e.g. {@code block5_conv1}
 * @param type what the layer computes, named like the Keras class, e.g. {@code Conv2D}
 * @param inputRefs the tensors it reads from other layers or from the network's input
 * @param outputRef the tensor of the rebuilt graph that carries the layer's output, e.g. {@code model/block5_conv1/Relu:0}
 * @param outputShape its static shape, {@code -1} for the batch
 * @param variables the op names of the layer's weights, in graph order
 * @param params number of scalars in all its weights
 * @param trainableParams number of scalars in the weights Keras trains
 */
public record LayerInfo(
    String name,
    String type,
    List<String> inputRefs,
    String outputRef,
    long[] outputShape,
    List<String> variables,
    long params,
    long trainableParams) {

  public LayerInfo {
    outputShape = outputShape.clone();
    inputRefs = List.copyOf(inputRefs);
    variables = List.copyOf(variables);
  }

  @Override
  public long[] outputShape() {
    return outputShape.clone();
  }

  public boolean hasWeights() {
    return !variables.isEmpty();
  }

  /** "(None, 8, 8, 64)", as Keras prints shapes. */
  public String outputShapeText() {
    return TensorSpec.shapeText(outputShape);
  }
}
