package org.finetune.train;

import org.finetune.error.FineTuneException;

/**
 * Which transfer-learning strategy to use and its settings, checked for consistency (the layers
 * themselves are checked against the base in {@link StrategyPlan}).
 *
 * @param strategy the case
 * @param layer {@code cut}: the last layer kept; {@code unfreeze}: the first layer trained (or null with topLayers)
 * @param topLayers {@code unfreeze}: how many of the base's last trainable layers to train (0 with layer)
 * @param fineTuneEpochs epochs of phase 2 (head and base layers), for unfreeze and full
 * @param fineTuneLearningRate phase 2's learning rate; null for a tenth of phase 1's
 * @param trainBatchNorm whether phase 2 also trains BatchNormalization gamma and beta (their moving
 *     statistics never change)
 */
public record StrategyConfig(
    Strategy strategy,
    String layer,
    int topLayers,
    int fineTuneEpochs,
    Double fineTuneLearningRate,
    boolean trainBatchNorm) {

  public static final int DEFAULT_FINE_TUNE_EPOCHS = 10;
  public static final double FINE_TUNE_LEARNING_RATE_FACTOR = 0.1;

  public static final StrategyConfig FREEZE = new StrategyConfig(Strategy.FREEZE, null, 0, 0, null, false);

  public StrategyConfig {
    if (strategy == null) {
      throw FineTuneException.badOption("A strategy must be given");
    }
    switch (strategy) {
      case FREEZE -> requireNoLayer(strategy, layer, topLayers);
      case CUT -> {
        if (layer == null || layer.isBlank()) {
          throw FineTuneException.badOption("--strategy cut needs --at LAYER, the last layer of the base to keep");
        }
        if (topLayers != 0) {
          throw FineTuneException.badOption("--top belongs to --strategy unfreeze, not cut");
        }
      }
      case UNFREEZE -> {
        if ((layer == null) == (topLayers == 0)) {
          throw FineTuneException.badOption(
              "--strategy unfreeze needs exactly one of --from LAYER or --top N");
        }
        if (topLayers < 0) {
          throw FineTuneException.badOption("--top must be a positive integer, got " + topLayers);
        }
      }
      case FULL -> requireNoLayer(strategy, layer, topLayers);
    }
    if (!strategy.finetunesBase() && (fineTuneEpochs != 0 || fineTuneLearningRate != null || trainBatchNorm)) {
      throw FineTuneException.badOption(
          "--fine-tune-epochs, --fine-tune-learning-rate and --train-batchnorm set phase 2, which only"
              + " --strategy unfreeze and full have; --strategy " + strategy.cliName() + " trains the head alone");
    }
    if (strategy.finetunesBase() && fineTuneEpochs < 1) {
      throw FineTuneException.badOption("--fine-tune-epochs must be a positive integer, got " + fineTuneEpochs);
    }
    if (fineTuneLearningRate != null && !(fineTuneLearningRate > 0 && !fineTuneLearningRate.isInfinite())) {
      throw FineTuneException.badOption("--fine-tune-learning-rate must be a positive number, got " + fineTuneLearningRate);
    }
  }

  private static void requireNoLayer(Strategy strategy, String layer, int topLayers) {
    if (layer != null || topLayers != 0) {
      throw FineTuneException.badOption(
          "--at, --from and --top choose layers for cut and unfreeze; --strategy " + strategy.cliName()
              + " takes none");
    }
  }

  public static StrategyConfig cut(String layer) {
    return new StrategyConfig(Strategy.CUT, layer, 0, 0, null, false);
  }

  public static StrategyConfig unfreezeFrom(String layer) {
    return new StrategyConfig(Strategy.UNFREEZE, layer, 0, DEFAULT_FINE_TUNE_EPOCHS, null, false);
  }

  public static StrategyConfig unfreezeTop(int layers) {
    return new StrategyConfig(Strategy.UNFREEZE, null, layers, DEFAULT_FINE_TUNE_EPOCHS, null, false);
  }

  public static StrategyConfig full() {
    return new StrategyConfig(Strategy.FULL, null, 0, DEFAULT_FINE_TUNE_EPOCHS, null, false);
  }

  /** Phase 2's learning rate, given phase 1's. */
  public double fineTuneLearningRate(double headLearningRate) {
    return fineTuneLearningRate != null ? fineTuneLearningRate : headLearningRate * FINE_TUNE_LEARNING_RATE_FACTOR;
  }

  public StrategyConfig withFineTune(int epochs, Double learningRate, boolean batchNorm) {
    return new StrategyConfig(strategy, layer, topLayers, epochs, learningRate, batchNorm);
  }
}
