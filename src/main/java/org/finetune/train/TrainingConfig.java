package org.finetune.train;

import org.finetune.error.FineTuneException;

/**
 * How to train: the reference tutorial's defaults (10 epochs, batch 64, Adam 1e-4) with Keras'
 * validation split and a seed that makes runs repeatable.
 *
 * @param epochs passes over the training data, >= 1
 * @param batchSize images per step, >= 1
 * @param learningRate Adam's learning rate, > 0
 * @param validationSplit fraction of the data held out for validation, in [0, 1)
 * @param seed seeds shuffling, head initialisation and dropout
 * @param threads TensorFlow intra-op threads; 0 lets TensorFlow use every core
 * @param callbacks early stopping, saving the best epoch, learning-rate schedules, class weights
 */
public record TrainingConfig(
    int epochs, int batchSize, double learningRate, double validationSplit, long seed, int threads, Callbacks callbacks) {

  public static final int DEFAULT_EPOCHS = 10;
  public static final int DEFAULT_BATCH_SIZE = 64;
  public static final double DEFAULT_LEARNING_RATE = 1e-4;
  public static final double DEFAULT_VALIDATION_SPLIT = 0.2;
  public static final long DEFAULT_SEED = 42;

  public TrainingConfig {
    if (epochs < 1) {
      throw FineTuneException.badOption("--epochs must be a positive integer, got " + epochs);
    }
    if (batchSize < 1) {
      throw FineTuneException.badOption("--batch-size must be a positive integer, got " + batchSize);
    }
    if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
      throw FineTuneException.badOption("--learning-rate must be a positive number, got " + learningRate);
    }
    if (!(validationSplit >= 0 && validationSplit < 1)) {
      throw FineTuneException.badOption("--val-split must be in [0, 1), got " + validationSplit);
    }
    if (threads < 0) {
      throw FineTuneException.badOption("--threads must be >= 0 (0 = all cores), got " + threads);
    }
    if (callbacks == null) {
      callbacks = Callbacks.NONE;
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder()
        .epochs(epochs)
        .batchSize(batchSize)
        .learningRate(learningRate)
        .validationSplit(validationSplit)
        .seed(seed)
        .threads(threads)
        .callbacks(callbacks);
  }

  /** Starts from the defaults; {@link #build()} validates. */
  public static final class Builder {
    private int epochs = DEFAULT_EPOCHS;
    private int batchSize = DEFAULT_BATCH_SIZE;
    private double learningRate = DEFAULT_LEARNING_RATE;
    private double validationSplit = DEFAULT_VALIDATION_SPLIT;
    private long seed = DEFAULT_SEED;
    private int threads;
    private Callbacks callbacks = Callbacks.NONE;

    public Builder epochs(int epochs) {
      this.epochs = epochs;
      return this;
    }

    public Builder batchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    public Builder learningRate(double learningRate) {
      this.learningRate = learningRate;
      return this;
    }

    public Builder validationSplit(double validationSplit) {
      this.validationSplit = validationSplit;
      return this;
    }

    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    public Builder threads(int threads) {
      this.threads = threads;
      return this;
    }

    public Builder callbacks(Callbacks callbacks) {
      this.callbacks = callbacks;
      return this;
    }

    public TrainingConfig build() {
      return new TrainingConfig(epochs, batchSize, learningRate, validationSplit, seed, threads, callbacks);
    }
  }
}
