package org.finetune;

import java.nio.file.Path;
import org.finetune.data.Augmentation;
import org.finetune.error.FineTuneException;
import org.finetune.head.HeadConfig;
import org.finetune.train.CacheSettings;
import org.finetune.train.LabelTask;
import org.finetune.train.StrategyConfig;
import org.finetune.train.TrainingConfig;

/**
 * Everything a fine-tuning run needs. Build it with {@link #builder()}; optional parts are null.
 *
 * @param model the Keras-exported SavedModel directory
 * @param data images in class folders, as a directory or a .tar.gz/.tgz/.zip archive
 * @param testData optional held-out images with the same classes, evaluated after training
 * @param output where exports go, TF Serving style: {@code <output>/<version>/}
 * @param preprocessing a mode or model family name; null to guess from the base's layer names
 * @param exportVersion the version to write; null for the next free one
 * @param strict stop at the first unreadable image instead of skipping it
 * @param strategy freeze (default), cut, unfreeze or full, with its settings
 * @param useCache cache the frozen base's outputs on disk (when no phase trains the base)
 * @param cacheDirectory where; null for {@link CacheSettings#defaultDirectory()}
 * @param resume continue the interrupted run of the same configuration from its last checkpoint
 * @param checkpointDirectory where runs keep checkpoints; null for {@code <output>/.checkpoints}
 * @param augmentation random changes to the training images; {@link Augmentation#NONE} for none
 * @param labels a CSV of {@code path,label1;label2} rows (see {@link org.finetune.data.LabelCsv}), paths
 *     relative to {@code data} (then a folder): multi-label training; null for class folders
 * @param testLabels the test set's label CSV, paths relative to {@code testData}; with {@code labels} only
 * @param threshold multi-label decision threshold in (0, 1); null for the default 0.5
 */
public record FineTuneRequest(
    Path model,
    Path data,
    Path testData,
    Path output,
    HeadConfig head,
    TrainingConfig training,
    String preprocessing,
    Long exportVersion,
    boolean strict,
    StrategyConfig strategy,
    boolean useCache,
    Path cacheDirectory,
    boolean resume,
    Path checkpointDirectory,
    Augmentation augmentation,
    Path labels,
    Path testLabels,
    Double threshold) {

  public FineTuneRequest {
    if (augmentation == null) {
      augmentation = Augmentation.NONE;
    }
    if (model == null) {
      throw FineTuneException.badOption("--model is required");
    }
    if (data == null) {
      throw FineTuneException.badOption("--data is required");
    }
    if (head == null || training == null || strategy == null) {
      throw FineTuneException.badOption("head, training and strategy configuration are required");
    }
    if (labels == null && threshold != null) {
      throw FineTuneException.badOption("--threshold applies to multi-label training only; give the labels with --labels FILE.csv");
    }
    if (labels == null && testLabels != null) {
      throw FineTuneException.badOption("--test-labels applies to multi-label training only; give the training labels with --labels FILE.csv");
    }
    if (threshold != null) {
      LabelTask.requireThreshold(threshold);
    }
    if (labels != null && (testData == null) != (testLabels == null)) {
      throw FineTuneException.badOption(testData == null
          ? "--test-labels needs --test-data, the folder its paths are relative to"
          : "--test-data with --labels needs --test-labels FILE.csv, the test images' labels");
    }
  }

  /** Whether this is a multi-label run ({@link #labels} given). */
  public boolean multiLabel() {
    return labels != null;
  }

  /** The multi-label decision threshold: the one given, or 0.5. */
  public double decisionThreshold() {
    return threshold == null ? LabelTask.DEFAULT_THRESHOLD : threshold;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Defaults: the reference tutorial's head and training settings, guessed preprocessing. */
  public static final class Builder {
    private Path model;
    private Path data;
    private Path testData;
    private Path output;
    private HeadConfig head = HeadConfig.DEFAULT;
    private TrainingConfig training = TrainingConfig.builder().build();
    private String preprocessing;
    private Long exportVersion;
    private boolean strict;
    private StrategyConfig strategy = StrategyConfig.FREEZE;
    private boolean useCache = true;
    private Path cacheDirectory;
    private boolean resume;
    private Path checkpointDirectory;
    private Augmentation augmentation = Augmentation.NONE;
    private Path labels;
    private Path testLabels;
    private Double threshold;

    public Builder model(Path model) {
      this.model = model;
      return this;
    }

    public Builder data(Path data) {
      this.data = data;
      return this;
    }

    public Builder testData(Path testData) {
      this.testData = testData;
      return this;
    }

    public Builder output(Path output) {
      this.output = output;
      return this;
    }

    public Builder head(HeadConfig head) {
      this.head = head;
      return this;
    }

    public Builder training(TrainingConfig training) {
      this.training = training;
      return this;
    }

    public Builder preprocessing(String preprocessing) {
      this.preprocessing = preprocessing;
      return this;
    }

    public Builder exportVersion(Long exportVersion) {
      this.exportVersion = exportVersion;
      return this;
    }

    public Builder strict(boolean strict) {
      this.strict = strict;
      return this;
    }

    public Builder strategy(StrategyConfig strategy) {
      this.strategy = strategy;
      return this;
    }

    public Builder useCache(boolean useCache) {
      this.useCache = useCache;
      return this;
    }

    public Builder cacheDirectory(Path cacheDirectory) {
      this.cacheDirectory = cacheDirectory;
      return this;
    }

    public Builder resume(boolean resume) {
      this.resume = resume;
      return this;
    }

    public Builder checkpointDirectory(Path checkpointDirectory) {
      this.checkpointDirectory = checkpointDirectory;
      return this;
    }

    /** Random changes to the training images (off by default); see {@link Augmentation}. */
    public Builder augmentation(Augmentation augmentation) {
      this.augmentation = augmentation;
      return this;
    }

    /**
     * Multi-label training: the images and their labels from a CSV of {@code path,label1;label2}
     * rows, paths relative to {@link #data} (a folder); see {@link org.finetune.data.LabelCsv}.
     */
    public Builder labels(Path labels) {
      this.labels = labels;
      return this;
    }

    /** The test set's label CSV (multi-label), paths relative to {@link #testData}. */
    public Builder testLabels(Path testLabels) {
      this.testLabels = testLabels;
      return this;
    }

    /** Multi-label decision threshold in (0, 1) (default 0.5): a label is predicted above it. */
    public Builder threshold(double threshold) {
      this.threshold = threshold;
      return this;
    }

    public FineTuneRequest build() {
      return new FineTuneRequest(
          model, data, testData, output, head, training, preprocessing, exportVersion, strict, strategy, useCache,
          cacheDirectory, resume, checkpointDirectory, augmentation, labels, testLabels, threshold);
    }
  }
}
