package org.finetune.cli;

import org.finetune.head.HeadConfig;
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

  @Option(names = "--dense", paramLabel = "UNITS", defaultValue = "1024", description = "Units of the hidden Dense(relu) layer; 0 for none (default: ${DEFAULT-VALUE}).")
  int dense;

  @Option(names = "--dropout", paramLabel = "RATE", defaultValue = "0.5", description = "Dropout rate after the hidden layer, training only (default: ${DEFAULT-VALUE}).")
  double dropout;

  @Option(names = "--pooling", paramLabel = "POOLING", defaultValue = "flatten", description = "flatten, avg or max (default: ${DEFAULT-VALUE}).")
  String pooling;

  @Option(names = "--val-split", paramLabel = "FRACTION", defaultValue = "0.2", description = "Fraction held out for validation, by a hash of each file's path (default: ${DEFAULT-VALUE}).")
  double validationSplit;

  @Option(names = "--seed", paramLabel = "SEED", defaultValue = "" + TrainingConfig.DEFAULT_SEED, description = "Seed for shuffling, initialisation and dropout (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--threads", paramLabel = "N", defaultValue = "0", description = "TensorFlow threads; 0 uses every core (default: ${DEFAULT-VALUE}).")
  int threads;

  HeadConfig head() {
    return new HeadConfig(Pooling.parse(pooling), dense, dropout);
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
