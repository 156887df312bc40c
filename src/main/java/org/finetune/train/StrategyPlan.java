package org.finetune.train;

import java.util.ArrayList;
import java.util.List;
import org.finetune.error.FineTuneException;
import org.finetune.model.BaseNetwork;
import org.finetune.model.LayerInfo;
import org.finetune.model.ModelVariable;

/**
 * A strategy applied to a base: the base to train on (cut, or whole), and the base variables
 * phase 2 trains. Every layer name and count is checked here, before any training starts.
 *
 * @param base the base the head goes on
 * @param fineTuneLayers the layers phase 2 trains, in Keras order (empty: no phase 2)
 * @param fineTuneVariables their variables' op names: kernels, biases, and BatchNormalization gamma
 *     and beta only when asked; moving statistics never
 */
public record StrategyPlan(StrategyConfig config, BaseNetwork base, List<String> fineTuneLayers, List<String> fineTuneVariables) {

  public StrategyPlan {
    fineTuneLayers = List.copyOf(fineTuneLayers);
    fineTuneVariables = List.copyOf(fineTuneVariables);
  }

  public static StrategyPlan of(StrategyConfig config, BaseNetwork base) {
    return switch (config.strategy()) {
      case FREEZE -> new StrategyPlan(config, base, List.of(), List.of());
      case CUT -> new StrategyPlan(config, base.cutAt(config.layer()), List.of(), List.of());
      case UNFREEZE -> unfreeze(config, base);
      case FULL -> withLayers(config, base, trainableLayers(base, config.trainBatchNorm()));
    };
  }

  private static StrategyPlan unfreeze(StrategyConfig config, BaseNetwork base) {
    List<LayerInfo> candidates = trainableLayers(base, config.trainBatchNorm());
    if (config.layer() != null) {
      LayerInfo from = base.layer(config.layer()).orElseThrow(() -> base.unknownLayer(config.layer()));
      int start = base.layers().indexOf(from);
      return withLayers(config, base,
          candidates.stream().filter(l -> base.layers().indexOf(l) >= start).toList());
    }
    if (config.topLayers() > candidates.size()) {
      throw FineTuneException.badOption(
          "--top " + config.topLayers() + " exceeds the " + candidates.size() + " layers of the base with weights to"
              + " train" + (config.trainBatchNorm() ? "" : " (BatchNormalization layers excluded; see --train-batchnorm)"));
    }
    return withLayers(config, base, candidates.subList(candidates.size() - config.topLayers(), candidates.size()));
  }

  private static StrategyPlan withLayers(StrategyConfig config, BaseNetwork base, List<LayerInfo> layers) {
    if (layers.isEmpty()) {
      throw FineTuneException.badOption("No layer with weights to train from '" + config.layer() + "' on; choose an earlier layer");
    }
    List<String> variables = new ArrayList<>();
    for (LayerInfo layer : layers) {
      for (ModelVariable v : base.variables()) {
        if (v.layer().equals(layer.name()) && v.trainable()) {
          variables.add(v.opName());
        }
      }
    }
    return new StrategyPlan(config, base, layers.stream().map(LayerInfo::name).toList(), variables);
  }

  /** Layers holding weights Keras trains; BatchNormalization only if {@code batchNorm}. */
  private static List<LayerInfo> trainableLayers(BaseNetwork base, boolean batchNorm) {
    return base.layers().stream()
        .filter(l -> l.trainableParams() > 0)
        .filter(l -> batchNorm || !l.type().equals("BatchNormalization"))
        .toList();
  }

  public boolean hasFineTunePhase() {
    return !fineTuneVariables.isEmpty();
  }
}
