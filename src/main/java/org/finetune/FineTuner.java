package org.finetune;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.List;
import org.finetune.data.Dataset;
import org.finetune.data.ImageEntry;
import org.finetune.data.LabelCsv;
import org.finetune.data.MultiLabelDataset;
import org.finetune.data.ImageDecoder;
import org.finetune.data.ImageSpec;
import org.finetune.data.Split;
import org.finetune.error.FineTuneException;
import org.finetune.export.ExportLayout;
import org.finetune.model.BaseNetwork;
import org.finetune.model.ServingSignature;
import org.finetune.recommend.Recommendation;
import org.finetune.report.ModelEvaluation;
import org.finetune.recommend.Recommender;
import org.finetune.train.EpochMetrics;
import org.finetune.train.Evaluation;
import org.finetune.train.History;
import org.finetune.cache.FeatureCache;
import org.finetune.train.CacheSettings;
import org.finetune.train.RunCheckpoints;
import org.finetune.train.LabelTask;
import org.finetune.train.TrainingConfig;
import org.finetune.train.StrategyPlan;
import org.finetune.train.Trainer;
import org.finetune.train.TrainingListener;

/**
 * The library's front door: load and inspect a Keras SavedModel, fine-tune it on a folder of
 * images, export it for TF Serving. Everything a user can get wrong is checked before training
 * starts and reported as a {@link FineTuneException} with one clear line.
 *
 * <pre>{@code
 * FineTuneRequest request = FineTuneRequest.builder()
 *     .model(Path.of("models/vgg16")).data(Path.of("photos")).output(Path.of("serving/photos"))
 *     .build();
 * FineTuneResult result = FineTuner.run(request, TrainingListener.NONE);
 * }</pre>
 */
public final class FineTuner {

  public static final String VERSION = "0.1.0";
  public static final String TENSORFLOW_JAVA_VERSION = "1.1.0";

  private FineTuner() {}

  /** Loads and rebuilds a base model, e.g. to print its layers. */
  public static BaseNetwork inspect(Path model) {
    return BaseNetwork.load(model);
  }

  /** What preprocessing {@code train} would use for this base when none is given. */
  public static String guessPreprocessingDescription(BaseNetwork base) {
    return PreprocessingChoice.resolve(null, base).describe();
  }

  /**
   * Which of the four transfer-learning cases training {@code model} on {@code data} is, and the
   * {@code train} command for it (exporting to {@code serving/<data set name>}); see {@link Recommender}.
   */
  public static Recommendation recommend(Path model, Path data) {
    return recommend(model, data, null, null);
  }

  /** As {@link #recommend(Path, Path)}, the command exporting to {@code out}. */
  public static Recommendation recommend(Path model, Path data, Path out) {
    return recommend(model, data, out, null);
  }

  /**
   * As {@link #recommend(Path, Path, Path)}, reading the images with {@code preprocess} (as {@code
   * --preprocess} takes it; null to guess it as {@code train} does).
   */
  public static Recommendation recommend(Path model, Path data, Path out, String preprocess) {
    BaseNetwork base = BaseNetwork.load(model);
    Dataset dataset = Dataset.open(data);
    PreprocessingChoice choice = PreprocessingChoice.resolve(preprocess, base);
    ServingSignature sig = base.signature();
    ImageSpec spec = new ImageSpec(sig.height(), sig.width(), sig.channels());
    try (ImageDecoder decoder = new ImageDecoder(spec, choice.mode())) {
      return Recommender.recommend(base, dataset, decoder, data, out == null ? Recommender.defaultOut(data) : out, preprocess);
    }
  }

  /**
   * Measures an export (a version directory, or its root: the highest version) on labelled images
   * in the layouts {@code train} reads: accuracy, top-k accuracy, per-class precision, recall and
   * F1, the confusion matrix, each image's outcome. The data's class folders are matched to the
   * export's classes by name; one the export does not know is an error. Unreadable images are
   * skipped and told to {@code listener}, or stop the run when {@code strict}. Write the result as
   * a report with {@link org.finetune.report.HtmlReport#write}.
   *
   * @param topK k for top-k accuracy; more than the export's classes counts as all of them
   */
  public static ModelEvaluation evaluate(Path export, Path data, int topK, boolean strict, TrainingListener listener) {
    return Evaluator.evaluate(export, data, topK, strict, listener);
  }

  /** Trains, evaluates on the test data if given, and exports to {@code request.output()}. */
  public static FineTuneResult run(FineTuneRequest request, TrainingListener listener) {
    if (request.output() == null) {
      throw FineTuneException.badOption("--out is required: the directory exports go to");
    }
    ExportLayout.checkTarget(request.output(), version(request));
    Prepared prepared = prepare(request, listener);
    RunCheckpoints checkpoints = checkpoints(request, prepared);
    try (TrainedModel model = train(request, prepared, listener, checkpoints)) {
      Evaluation test = prepared.testEntries() == null ? null : model.trainer().evaluate(prepared.testEntries(), listener);
      Path exportDir = model.export(request.output(), request.exportVersion(), test);
      checkpoints.clear(); // exported: nothing left to resume
      return new FineTuneResult(
          exportDir,
          model.classNames(),
          model.preprocessing(),
          model.history(),
          model.validation(),
          test,
          model.skippedImages(),
          model.multiLabel());
    }
  }

  /** Trains without exporting; the caller closes the result. */
  public static TrainedModel train(FineTuneRequest request, TrainingListener listener) {
    Prepared prepared = prepare(request, listener);
    return train(request, prepared, listener, checkpoints(request, prepared));
  }

  /**
   * The strategy applied to the base, the data and the settings derived from them, all checked.
   * Class folders fill {@code data} and {@code test}; a multi-label run ({@code --labels}) fills
   * {@code labelled} and {@code labelledTest} instead.
   */
  private record Prepared(
      StrategyPlan plan, Dataset data, Dataset test, PreprocessingChoice preprocessing, ImageSpec spec,
      MultiLabelDataset labelled, MultiLabelDataset labelledTest) {

    List<String> classNames() {
      return labelled != null ? labelled.labelNames() : data.classNames();
    }

    Split split(double validationFraction) {
      return labelled != null ? labelled.split(validationFraction) : data.split(validationFraction);
    }

    List<ImageEntry> testEntries() {
      return labelledTest != null ? labelledTest.entries() : test == null ? null : test.entries();
    }

    LabelTask task(FineTuneRequest request) {
      return labelled != null
          ? LabelTask.multiLabel(labelled.labelNames().size(), request.decisionThreshold())
          : LabelTask.singleLabel(data.classNames().size());
    }
  }

  private static Prepared prepare(FineTuneRequest request, TrainingListener listener) {
    BaseNetwork base = BaseNetwork.load(request.model());
    StrategyPlan plan = StrategyPlan.of(request.strategy(), base);
    Dataset data = null;
    Dataset test = null;
    MultiLabelDataset labelled = null;
    MultiLabelDataset labelledTest = null;
    if (request.multiLabel()) {
      labelled = LabelCsv.read(request.labels(), request.data());
      labelledTest = request.testLabels() == null ? null
          : LabelCsv.read(request.testLabels(), request.testData(), labelled.labelNames());
    } else {
      data = Dataset.open(request.data());
      test = request.testData() == null ? null : Dataset.openWithClasses(request.testData(), data.classNames());
    }
    PreprocessingChoice preprocessing = PreprocessingChoice.resolve(request.preprocessing(), base);
    if (preprocessing.unknown()) {
      listener.warning("preprocessing: " + preprocessing.describe());
    }
    ServingSignature sig = base.signature();
    ImageSpec spec = new ImageSpec(sig.height(), sig.width(), sig.channels());
    preprocessing.mode().requireChannels(spec.channels());
    return new Prepared(plan, data, test, preprocessing, spec, labelled, labelledTest);
  }

  private static TrainedModel train(
      FineTuneRequest request, Prepared p, TrainingListener listener, RunCheckpoints checkpoints) {
    Split split = p.split(request.training().validationSplit());
    if (split.train().isEmpty()) {
      throw FineTuneException.badData(
          "No training images left in " + request.data() + " after holding out " + split.validation().size()
              + " for validation; lower --val-split");
    }
    ImageDecoder decoder = new ImageDecoder(p.spec, p.preprocessing.mode(), request.augmentation());
    Trainer trainer = null;
    try {
      trainer = new Trainer(p.plan, request.head(), p.classNames(), p.task(request), request.training(), decoder,
          request.strict(), cacheSettings(request, p));
      if (!request.resume() && checkpoints != null && checkpoints.exists()) {
        listener.warning("an interrupted run of this configuration left a checkpoint in " + checkpoints.directory()
            + "; starting over (pass --resume to continue it instead)");
        checkpoints.clear();
      }
      History history = trainer.fit(split.train(), split.validation(), listener, checkpoints, request.resume());
      return new TrainedModel(
          request, p.plan.base(), p.classNames(), p.preprocessing, decoder, trainer, history,
          lastValidation(history, split.validation().size()));
    } catch (RuntimeException e) {
      if (trainer != null) {
        trainer.close();
      }
      decoder.close();
      throw e;
    }
  }

  /**
   * Where this run keeps its checkpoints: {@code <out>/.checkpoints/<run key>}, hidden from TF
   * Serving, or the request's directory; null (none) for a run that neither exports nor names one.
   * The run key is a hash of everything the result depends on, so {@code --resume} finds the
   * checkpoint of the same command and never that of another.
   */
  private static RunCheckpoints checkpoints(FineTuneRequest request, Prepared p) {
    Path root = request.checkpointDirectory() != null
        ? request.checkpointDirectory()
        : request.output() != null ? request.output().resolve(".checkpoints") : null;
    if (root == null) {
      if (request.resume()) {
        throw FineTuneException.badOption("--resume needs the export directory (--out) the interrupted run used");
      }
      return null;
    }
    TrainingConfig t = request.training();
    String identity = String.join("\n",
        "model " + p.plan.base().fingerprint(),
        "data " + request.data().toAbsolutePath().normalize(),
        "head " + request.head(),
        "training " + t.toBuilder().threads(0).build(),
        "strategy " + request.strategy(),
        "preprocessing " + p.preprocessing,
        "cache " + request.useCache())
        + (request.augmentation().enabled() ? "\naugmentation " + request.augmentation().spec() : "")
        + (request.multiLabel()
            ? "\nlabels " + request.labels().toAbsolutePath().normalize() + "\nthreshold " + request.decisionThreshold()
            : "");
    String key = FeatureCache.sha256Hex(identity.getBytes(java.nio.charset.StandardCharsets.UTF_8)).substring(0, 16);
    return new RunCheckpoints(root.resolve(key));
  }

  /**
   * The cache's namespace names everything its features depend on: the base's files (by content),
   * the layer whose output is cached, the preprocessing and the input size.
   */
  private static CacheSettings cacheSettings(FineTuneRequest request, Prepared p) {
    if (!request.useCache()) {
      return CacheSettings.OFF;
    }
    BaseNetwork base = p.plan.base();
    String namespace = "model " + base.fingerprint() + "\noutput " + base.outputRef()
        + "\npreprocessing " + p.preprocessing.mode().modeName() + "\ninput " + p.spec;
    Path dir = request.cacheDirectory() != null ? request.cacheDirectory() : CacheSettings.defaultDirectory();
    return new CacheSettings(true, dir, namespace);
  }

  private static Evaluation lastValidation(History history, int images) {
    EpochMetrics last = history.last().orElseThrow();
    if (last.valLoss() == null) {
      return new Evaluation(Double.NaN, Double.NaN, 0, 0);
    }
    return new Evaluation(last.valLoss(), last.valAccuracy(), images, Math.round(last.valAccuracy() * images));
  }

  private static OptionalLong version(FineTuneRequest request) {
    return request.exportVersion() == null ? OptionalLong.empty() : OptionalLong.of(request.exportVersion());
  }

  /** The library versions an export records. */
  static Map<String, String> versions() {
    Map<String, String> v = new LinkedHashMap<>();
    v.put("finetune", VERSION);
    v.put("tensorflow", org.tensorflow.TensorFlow.version());
    v.put("tensorflow_java", TENSORFLOW_JAVA_VERSION);
    v.put("java", System.getProperty("java.version"));
    return v;
  }
}
