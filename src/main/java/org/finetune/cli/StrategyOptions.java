package org.finetune.cli;

import org.finetune.error.FineTuneException;
import org.finetune.train.Strategy;
import org.finetune.train.StrategyConfig;
import picocli.CommandLine.Option;

/** The transfer-learning strategy options of {@code train}. */
final class StrategyOptions {

  @Option(names = "--strategy", defaultValue = "freeze", paramLabel = "NAME",
      description = "freeze: train the head on the frozen base (small data, similar);"
          + " cut: keep the base up to --at LAYER (small data, different);"
          + " unfreeze: then also train the base from --from LAYER or its --top N layers (large data, similar);"
          + " full: then the whole base (large data, different) (default: ${DEFAULT-VALUE}).")
  String strategy;

  @Option(names = "--at", paramLabel = "LAYER", description = "cut: the last layer of the base to keep (names as 'inspect' prints them).")
  String at;

  @Option(names = "--from", paramLabel = "LAYER", description = "unfreeze: the first base layer to train in phase 2.")
  String from;

  @Option(names = "--top", paramLabel = "N", description = "unfreeze: train the base's last N layers with weights in phase 2.")
  Integer top;

  @Option(names = "--fine-tune-epochs", paramLabel = "N",
      description = "unfreeze, full: epochs of phase 2 (default: " + StrategyConfig.DEFAULT_FINE_TUNE_EPOCHS + ").")
  Integer fineTuneEpochs;

  @Option(names = "--fine-tune-learning-rate", paramLabel = "RATE",
      description = "unfreeze, full: phase 2's learning rate (default: --learning-rate x 0.1).")
  Double fineTuneLearningRate;

  @Option(names = "--train-batchnorm",
      description = "unfreeze, full: also train BatchNormalization gamma and beta in phase 2 (their moving statistics never change).")
  boolean trainBatchNorm;

  StrategyConfig config() {
    Strategy s = Strategy.parse(strategy);
    if (at != null && s != Strategy.CUT) {
      throw FineTuneException.badOption("--at LAYER is for --strategy cut, not " + s.cliName());
    }
    if ((from != null || top != null) && s != Strategy.UNFREEZE) {
      throw FineTuneException.badOption("--from and --top are for --strategy unfreeze, not " + s.cliName());
    }
    if (top != null && top < 1) {
      throw FineTuneException.badOption("--top must be a positive integer, got " + top);
    }
    int epochs = fineTuneEpochs != null ? fineTuneEpochs : s.finetunesBase() ? StrategyConfig.DEFAULT_FINE_TUNE_EPOCHS : 0;
    String layer = s == Strategy.CUT ? at : from;
    return new StrategyConfig(s, layer, top == null ? 0 : top, epochs, fineTuneLearningRate, trainBatchNorm);
  }
}
