package org.finetune.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.finetune.error.FineTuneException;
import org.finetune.head.HeadConfig;
import org.finetune.head.HeadSpec;
import org.finetune.head.Pooling;
import org.finetune.train.Callbacks;
import org.finetune.train.ClassWeights;
import org.finetune.train.EarlyStopping;
import org.finetune.train.LearningRateSchedule;
import org.finetune.train.Monitor;
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

  @Option(names = "--monitor", paramLabel = "FIGURE", defaultValue = "val_loss", description = "What --early-stopping, --save-best and --lr-schedule plateau watch: val_loss, val_accuracy, loss or accuracy (default: ${DEFAULT-VALUE}).")
  String monitor;

  @Option(names = "--early-stopping", paramLabel = "PATIENCE", description = "End a phase once the monitored figure has not improved for PATIENCE epochs (Keras' EarlyStopping).")
  Integer earlyStopping;

  @Option(names = "--min-delta", paramLabel = "DELTA", defaultValue = "0", description = "The least change that counts as an improvement for --early-stopping (default: ${DEFAULT-VALUE}).")
  double minDelta;

  @Option(names = "--restore-best-weights", description = "With --early-stopping: end each phase, stopped early or not, with the weights of its best epoch (as Keras 3 does).")
  boolean restoreBestWeights;

  @Option(names = "--save-best", description = "Export the weights of the epoch with the best monitored figure instead of the last epoch's (Keras' ModelCheckpoint(save_best_only=True)).")
  boolean saveBest;

  @Option(names = "--lr-schedule", paramLabel = "SCHEDULE", defaultValue = "constant", description = "constant, cosine (Keras' CosineDecay over each phase's steps) or plateau (ReduceLROnPlateau on --monitor) (default: ${DEFAULT-VALUE}).")
  String schedule;

  @Option(names = "--cosine-alpha", paramLabel = "FRACTION", defaultValue = "0", description = "cosine: the final rate as a fraction of the first (default: ${DEFAULT-VALUE}).")
  double cosineAlpha;

  @Option(names = "--plateau-factor", paramLabel = "FACTOR", defaultValue = "0.1", description = "plateau: multiply the rate by FACTOR (default: ${DEFAULT-VALUE}).")
  double plateauFactor;

  @Option(names = "--plateau-patience", paramLabel = "EPOCHS", defaultValue = "10", description = "plateau: after this many epochs without improvement (default: ${DEFAULT-VALUE}).")
  int plateauPatience;

  @Option(names = "--min-learning-rate", paramLabel = "RATE", defaultValue = "0", description = "plateau: never below RATE (default: ${DEFAULT-VALUE}).")
  double minLearningRate;

  @Option(names = "--class-weight", paramLabel = "auto|CLASS=WEIGHT,...", description = "Weigh each class's training images: auto (balanced: images / (classes x images of the class)) or given per class name; others weigh 1.")
  String classWeight;

  HeadConfig head() {
    if (!(l2 >= 0) || Double.isInfinite(l2)) {
      throw FineTuneException.badOption("--l2 must be >= 0, got " + l2);
    }
    if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
      throw FineTuneException.badOption("--label-smoothing must be in [0, 1), got " + labelSmoothing);
    }
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

  Callbacks callbacks() {
    Callbacks callbacks = Callbacks.NONE.withMonitor(Monitor.parse(monitor)).withSaveBest(saveBest);
    if (earlyStopping != null) {
      callbacks = callbacks.withEarlyStopping(new EarlyStopping(earlyStopping, minDelta, restoreBestWeights));
    } else if (restoreBestWeights) {
      throw FineTuneException.badOption("--restore-best-weights belongs to --early-stopping PATIENCE, which is not given");
    }
    callbacks = callbacks.withSchedule(switch (schedule.strip().toLowerCase(java.util.Locale.ROOT)) {
      case "constant" -> new LearningRateSchedule.Constant();
      case "cosine" -> new LearningRateSchedule.Cosine(cosineAlpha);
      case "plateau" -> new LearningRateSchedule.Plateau(plateauFactor, plateauPatience, minLearningRate);
      default -> throw FineTuneException.badOption("--lr-schedule must be constant, cosine or plateau, got '" + schedule + "'");
    });
    return classWeight == null ? callbacks : callbacks.withClassWeights(ClassWeights.parse(classWeight));
  }

  TrainingConfig training() {
    return TrainingConfig.builder()
        .epochs(epochs)
        .batchSize(batchSize)
        .learningRate(learningRate)
        .validationSplit(validationSplit)
        .seed(seed)
        .threads(threads)
        .callbacks(callbacks())
        .build();
  }
}
