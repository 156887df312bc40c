package org.finetune;

import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.finetune.data.Dataset;
import org.finetune.data.ImageDecoder;
import org.finetune.data.LabelCsv;
import org.finetune.error.FineTuneException;
import org.finetune.export.ExportManifest;
import org.finetune.head.HeadSpec;
import org.finetune.export.ExportLayout;
import org.finetune.export.ModelExporter;
import org.finetune.model.BaseNetwork;
import org.finetune.train.Evaluation;
import org.finetune.train.History;
import org.finetune.train.Trainer;
import org.finetune.train.TrainingListener;

/**
 * A model fine-tuned in this JVM: it can be evaluated on more data and exported. Holds the
 * training session; close it when done.
 */
public final class TrainedModel implements AutoCloseable {

  private final FineTuneRequest request;
  private final BaseNetwork base;
  private final List<String> classNames;
  private final PreprocessingChoice preprocessing;
  private final ImageDecoder decoder;
  private final Trainer trainer;
  private final History history;
  private final Evaluation validation;

  TrainedModel(
      FineTuneRequest request,
      BaseNetwork base,
      List<String> classNames,
      PreprocessingChoice preprocessing,
      ImageDecoder decoder,
      Trainer trainer,
      History history,
      Evaluation validation) {
    this.request = request;
    this.base = base;
    this.classNames = List.copyOf(classNames);
    this.preprocessing = preprocessing;
    this.decoder = decoder;
    this.trainer = trainer;
    this.history = history;
    this.validation = validation;
  }

  public History history() {
    return history;
  }

  /** Validation loss and accuracy after the last epoch (NaN without a validation split). */
  public Evaluation validation() {
    return validation;
  }

  public List<String> classNames() {
    return classNames;
  }

  public PreprocessingChoice preprocessing() {
    return preprocessing;
  }

  public BaseNetwork base() {
    return base;
  }

  /** Distinct images skipped because they could not be read. */
  public int skippedImages() {
    return trainer.skippedImages();
  }

  /** The underlying trainer, e.g. to read weights in tests. */
  public Trainer trainer() {
    return trainer;
  }

  /** Accuracy and loss on another data set with the same class folders. */
  public Evaluation evaluate(Path data, TrainingListener listener) {
    if (multiLabel()) {
      throw FineTuneException.badOption("this model is multi-label: evaluate it with evaluate(data, labels, listener)");
    }
    Dataset set = Dataset.openWithClasses(data, classNames);
    return trainer.evaluate(set.entries(), listener);
  }

  /**
   * Multi-label: loss, binary accuracy and {@link Evaluation#multiLabel() the multi-label figures}
   * on the images a label CSV lists (paths relative to {@code data}; its labels among this model's).
   */
  public Evaluation evaluate(Path data, Path labels, TrainingListener listener) {
    if (!multiLabel()) {
      throw FineTuneException.badOption("this model is single-label: evaluate it with evaluate(data, listener)");
    }
    return trainer.evaluate(LabelCsv.read(labels, data, classNames).entries(), listener);
  }

  /** Whether the model gives each label a sigmoid probability of its own. */
  public boolean multiLabel() {
    return trainer.task().multiLabel();
  }

  /**
   * Exports to {@code root/<version>} for TF Serving, with {@code labels.txt}, {@code
   * finetune.json} and {@code history.json}.
   *
   * @param version the version to write, or null for the next free one
   * @param test the test-set evaluation to record, or null
   */
  public Path export(Path root, Long version, Evaluation test) {
    long v = ExportLayout.checkTarget(root, version == null ? OptionalLong.empty() : OptionalLong.of(version));
    ModelExporter.Request export =
        new ModelExporter.Request(
            base, request.head(), classNames, trainer::saveCheckpoint, manifest(test),
            Map.of("history.json", history.toJson()), trainer.task().activation());
    return ModelExporter.export(export, root, v);
  }

  private ExportManifest manifest(Evaluation test) {
    var sig = base.signature();
    var baseModel =
        new ExportManifest.BaseModel(
            base.directory().toAbsolutePath().normalize().toString(),
            base.fingerprint(),
            Arrays.stream(sig.input().shape()).boxed().toList(),
            Arrays.stream(base.outputShape()).boxed().toList(),
            base.totalParams());
    var head =
        new ExportManifest.Head(
            HeadSpec.toJson(request.head()),
            classNames.size(),
            trainer.task().activation().specName(),
            request.head().describe(classNames.size()));
    var pre =
        new ExportManifest.Preprocessing(
            preprocessing.mode().modeName(), preprocessing.family(), preprocessing.guessed(), preprocessing.describe());
    var serving =
        new ExportManifest.Serving(
            "serving_default",
            ModelExporter.PREDICT_METHOD,
            ModelExporter.INPUT_KEY,
            Arrays.stream(sig.input().shape()).boxed().toList(),
            multiLabel() ? List.of(ModelExporter.PROBABILITIES) : List.of(ModelExporter.PROBABILITIES, ModelExporter.CLASS_IDS));
    return new ExportManifest(
        ExportManifest.FORMAT_VERSION,
        baseModel,
        head,
        pre,
        hyperparameters(),
        classNames,
        metrics(test),
        serving,
        FineTuner.versions(),
        Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(),
        multiLabel() ? ExportManifest.MULTI_LABEL : null,
        multiLabel() ? trainer.task().threshold() : null);
  }

  private Map<String, Object> hyperparameters() {
    var t = request.training();
    Map<String, Object> h = new LinkedHashMap<>();
    var plan = trainer.plan();
    h.put("strategy", plan.config().strategy().cliName());
    if (plan.config().layer() != null) {
      h.put(plan.config().strategy() == org.finetune.train.Strategy.CUT ? "cut_at" : "unfreeze_from", plan.config().layer());
    }
    if (plan.config().topLayers() > 0) {
      h.put("unfreeze_top", plan.config().topLayers());
    }
    if (plan.hasFineTunePhase()) {
      h.put("fine_tune_epochs", plan.config().fineTuneEpochs());
      h.put("fine_tune_learning_rate", plan.config().fineTuneLearningRate(t.learningRate()));
      h.put("train_batchnorm", plan.config().trainBatchNorm());
      h.put("fine_tune_layers", plan.fineTuneLayers());
    }
    h.put("epochs", t.epochs());
    h.put("batch_size", t.batchSize());
    h.put("learning_rate", t.learningRate());
    h.put("optimizer", "adam");
    h.put("loss", multiLabel() ? "binary_crossentropy" : "categorical_crossentropy");
    h.put("validation_split", t.validationSplit());
    h.put("seed", t.seed());
    h.put("callbacks", t.callbacks().describe());
    h.put("augmentation", request.augmentation().enabled() ? request.augmentation().toManifest() : "none");
    h.put("data", request.data().toAbsolutePath().normalize().toString());
    return h;
  }

  private Map<String, Double> metrics(Evaluation test) {
    Map<String, Double> m = singleMetrics(test);
    if (test != null && test.multiLabel() != null) {
      m.put("test_micro_f1", test.multiLabel().microF1());
      m.put("test_macro_f1", test.multiLabel().macroF1());
    }
    return m;
  }

  private Map<String, Double> singleMetrics(Evaluation test) {
    Map<String, Double> m = new LinkedHashMap<>();
    history.last().ifPresent(e -> {
      put(m, "loss", e.loss());
      put(m, "accuracy", e.accuracy());
      put(m, "val_loss", e.valLoss());
      put(m, "val_accuracy", e.valAccuracy());
    });
    if (test != null) {
      put(m, "test_loss", test.loss());
      put(m, "test_accuracy", test.accuracy());
      put(m, "test_images", (double) test.images());
    }
    put(m, "skipped_images", (double) skippedImages());
    return m;
  }

  /** JSON has no NaN: absent metrics are left out. */
  private static void put(Map<String, Double> m, String key, Double value) {
    if (value != null && !value.isNaN()) {
      m.put(key, value);
    }
  }

  @Override
  public void close() {
    try (ImageDecoder d = decoder; Trainer t = trainer) {
      // closes both
    }
  }
}
