package org.finetune.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.finetune.error.FineTuneException;
import org.finetune.head.HeadConfig;
import org.finetune.head.HeadSpec;
import org.finetune.head.Pooling;
import org.finetune.train.TrainingConfig;
import picocli.CommandLine.Option;

/** The head and training options, shared by {@code train} and {@code demo}. */
final class TrainOptions {

  @Option(names = "--epochs", paramLabel = "N", defaultValue = "" + TrainingConfig.DEFAULT_EPOCHS, description = "Epochs (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(names = "--batch-size", paramLabel = "N", defaultValue = "" + TrainingConfig.DEFAULT_BATCH_SIZE, description = "Images per step (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--learning-rate", paramLabel = "RATE", defaultValue = "1e-4", description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
  double learningRate;

  // --dense, --dropout and --pooling have no picocli defaults, so that giving one with --head is
  // seen and refused; head() applies the tutorial's defaults.
  @Option(names = "--dense", paramLabel = "UNITS", description = "Units of the hidden Dense(relu) layer; 0 for none (default: 1024).")
  Integer dense;

  @Option(names = "--dropout", paramLabel = "RATE", description = "Dropout rate after the hidden layer, training only (default: 0.5).")
  Double dropout;

  @Option(names = "--pooling", paramLabel = "POOLING", description = "flatten, avg or max (default: flatten).")
  String pooling;

  @Option(names = "--head", paramLabel = "SPEC", description = "The head as one line, instead of --pooling/--dense/--dropout: the pooling (flatten, global_avg, global_max), then any of dense(UNITS[,ACTIVATION]), dropout(RATE), batch_norm; e.g. global_avg,dense(256,relu),batch_norm,dropout(0.3).")
  String head;

  @Option(names = "--head-file", paramLabel = "FILE", description = "The head as a JSON spec file (see README), instead of --head.")
  Path headFile;

  @Option(names = "--l2", paramLabel = "FACTOR", defaultValue = "0", description = "L2 regularisation of every Dense kernel in the head, as Keras' l2(FACTOR) (default: ${DEFAULT-VALUE}).")
  double l2;

  @Option(names = "--label-smoothing", paramLabel = "AMOUNT", defaultValue = "0", description = "Label smoothing of the cross-entropy, in [0, 1) (default: ${DEFAULT-VALUE}).")
  double labelSmoothing;

  @Option(names = "--val-split", paramLabel = "FRACTION", defaultValue = "0.2", description = "Fraction held out for validation, by a hash of each file's path (default: ${DEFAULT-VALUE}).")
  double validationSplit;

  @Option(names = "--seed", paramLabel = "SEED", defaultValue = "" + TrainingConfig.DEFAULT_SEED, description = "Seed for shuffling, initialisation and dropout (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--threads", paramLabel = "N", defaultValue = "0", description = "TensorFlow threads; 0 uses every core (default: ${DEFAULT-VALUE}).")
  int threads;

  HeadConfig head() {
    if (head != null || headFile != null) {
      if (head != null && headFile != null) {
        throw FineTuneException.badOption("--head and --head-file both describe the head; give one");
      }
      List<String> clashing = new ArrayList<>();
      if (pooling != null) clashing.add("--pooling");
      if (dense != null) clashing.add("--dense");
      if (dropout != null) clashing.add("--dropout");
      if (!clashing.isEmpty()) {
        throw FineTuneException.badOption(String.join(", ", clashing) + " cannot be combined with "
            + (head != null ? "--head" : "--head-file") + ", which describes the whole head");
      }
    }
    if (head != null) {
      return HeadSpec.fromLine(head, l2, labelSmoothing);
    }
    if (headFile != null) {
      HeadConfig fromFile = HeadSpec.fromFile(headFile);
      // The file's own l2 and label smoothing hold unless the options are given too.
      return fromFile.withL2(l2 > 0 ? l2 : fromFile.l2())
          .withLabelSmoothing(labelSmoothing > 0 ? labelSmoothing : fromFile.labelSmoothing());
    }
    return new HeadConfig(
            Pooling.parse(pooling == null ? "flatten" : pooling),
            dense == null ? HeadConfig.DEFAULT_DENSE_UNITS : dense,
            dropout == null ? HeadConfig.DEFAULT_DROPOUT : dropout)
        .withL2(l2)
        .withLabelSmoothing(labelSmoothing);
  }

  TrainingConfig training() {
    return TrainingConfig.builder()
        .epochs(epochs)
        .batchSize(batchSize)
        .learningRate(learningRate)
        .validationSplit(validationSplit)
        .seed(seed)
        .threads(threads)
        .build();
  }
}
