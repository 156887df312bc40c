package org.finetune.model;

import java.util.List;
import org.finetune.error.FineTuneException;
import org.tensorflow.Graph;
import org.tensorflow.Output;
import org.tensorflow.types.TFloat32;

/**
 * A {@link BaseNetwork} imported into one graph: the tensors a head attaches to and the variables an
 * optimizer may train.
 */
public record ImportedNetwork(BaseNetwork network, Graph graph, Output<TFloat32> input, Output<TFloat32> output) {

  /** The output of a layer, for cutting the base at an earlier layer. */
  @SuppressWarnings("unchecked")
  public Output<TFloat32> layerOutput(String layerName) {
    LayerInfo layer =
        network.layer(layerName)
            .orElseThrow(() -> FineTuneException.badOption(
                "Unknown layer '" + layerName + "'; the base has "
                    + network.layers().stream().map(LayerInfo::name).toList()));
    return (Output<TFloat32>) graph.outputOrThrow(layer.outputRef());
  }

  /** The variable op's output, by op name. */
  public Output<?> variable(String opName) {
    return graph.outputOrThrow(opName);
  }

  /** Outputs of the given variables, in the given order. */
  public List<Output<?>> variables(List<ModelVariable> variables) {
    return variables.stream().<Output<?>>map(v -> variable(v.opName())).toList();
  }
}
