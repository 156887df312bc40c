package org.finetune.bench;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.finetune.FineTuneRequest;
import org.finetune.FineTuner;
import org.finetune.TrainedModel;
import org.finetune.train.StrategyConfig;
import org.finetune.train.Trainer;
import org.finetune.train.TrainingConfig;
import org.finetune.train.TrainingListener;

/**
 * Training runs through the product path, {@link FineTuner#train}, reading the images from disk
 * with the product's defaults (head, preprocessing, input pipeline, cache) unless an option says
 * otherwise.
 */
final class TrainingBench {

  private TrainingBench() {}

  /**
   * {@code train-head}: the base frozen, {@code --epochs} epochs with validation. Timed: the whole
   * {@code FineTuner.train} call (loading and rebuilding the base, scanning the data, building the
   * graph, every epoch with its validation); an optional warm-up run on other data comes first,
   * untimed, in the same JVM.
   */
  static Map<String, Object> trainHead(Benchmark o) {
    Path model = Benchmark.required(o.model, "--model");
    Path data = Benchmark.required(o.data, "--data");
    Map<String, Object> r = new LinkedHashMap<>();
    if (o.warmupData != null) {
      long w = System.nanoTime();
      FineTuneRequest warm = request(o, model, o.warmupData, StrategyConfig.FREEZE, 1, o.cacheDir == null ? null : o.cacheDir.resolve("warmup"));
      try (TrainedModel ignored = FineTuner.train(warm, TrainingListener.NONE)) {
        r.put("warmup_s", InferenceBench.seconds(w));
      }
    }
    FineTuneRequest request = request(o, model, data, StrategyConfig.FREEZE, o.epochs, o.cacheDir);
    r.put("cache", describeCache(o));
    long start = System.nanoTime();
    TimingListener timing = new TimingListener(start);
    try (TrainedModel trained = FineTuner.train(request, timing)) {
      double wall = InferenceBench.seconds(start);
      r.put("wall_s", wall);
      r.put("setup_s", timing.setupSeconds());
      r.put("epochs_s", wall - timing.setupSeconds());
      r.put("epochs", o.epochs);
      r.put("train_images", timing.epochs.isEmpty() ? 0 : trainImages(timing));
      r.put("val_accuracy", trained.validation().accuracy());
      r.put("val_images", trained.validation().images());
      r.put("per_epoch", timing.epochTable());
      r.put("warnings", timing.warnings);
      r.put("notes", timing.notes);
      r.put("checkpoints", o.checkpointDir != null);
      r.put("skipped_images", timing.skippedImages);
      r.put("timed", "FineTuner.train: load and rebuild the base, scan the data, build the graph, "
          + o.epochs + " epochs with validation");
    }
    return r;
  }

  /**
   * {@code train-top}: the base's layers from {@code --from} on unfrozen ({@code --strategy
   * unfreeze --from}), BatchNormalization in inference mode and not trained (the product default).
   * Phase 1 trains the head for {@code --epochs}; timed: the steps of phase 2 after the first
   * {@code --skip-steps}, as images per second (validation and epoch starts left out).
   */
  static Map<String, Object> trainTop(Benchmark o) {
    Path model = Benchmark.required(o.model, "--model");
    Path data = Benchmark.required(o.data, "--data");
    String from = Benchmark.required(o.fromLayer, "--from");
    StrategyConfig strategy = StrategyConfig.unfreezeFrom(from).withFineTune(o.fineTuneEpochs, null, false);
    FineTuneRequest request = request(o, model, data, strategy, o.epochs, o.cacheDir);
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("cache", describeCache(o));
    long start = System.nanoTime();
    TimingListener timing = new TimingListener(start);
    try (TrainedModel trained = FineTuner.train(request, timing)) {
      r.put("wall_s", InferenceBench.seconds(start));
      r.putAll(timing.stepThroughput(Trainer.FINE_TUNE_PHASE, o.skipSteps));
      r.put("skip_steps", o.skipSteps);
      r.put("head_epochs", o.epochs);
      r.put("fine_tune_epochs", o.fineTuneEpochs);
      r.put("fine_tune_layers", trained.trainer().plan().fineTuneLayers());
      r.put("fine_tune_variables", trained.trainer().plan().fineTuneVariables().size());
      r.put("fine_tune_params", fineTuneParams(trained));
      r.put("per_epoch", timing.epochTable());
      r.put("warnings", timing.warnings);
      r.put("notes", timing.notes);
      r.put("timed", "phase-2 training steps (head and unfrozen layers) after the first " + o.skipSteps
          + ", data read from disk by the product's pipeline; validation and epoch starts excluded");
    }
    return r;
  }

  private static long trainImages(TimingListener timing) {
    List<long[]> steps = timing.epochs.get(0).steps;
    return steps.isEmpty() ? 0 : steps.get(steps.size() - 1)[1];
  }

  private static long fineTuneParams(TrainedModel trained) {
    List<String> vars = trained.trainer().plan().fineTuneVariables();
    return trained.base().variables().stream().filter(v -> vars.contains(v.opName())).mapToLong(v -> v.size()).sum();
  }

  private static FineTuneRequest request(
      Benchmark o, Path model, Path data, StrategyConfig strategy, int epochs, Path cacheDir) {
    TrainingConfig training =
        TrainingConfig.builder()
            .epochs(epochs)
            .batchSize(o.batchSize)
            .learningRate(o.learningRate)
            .validationSplit(o.valSplit)
            .seed(o.seed)
            .threads(o.threads)
            .build();
    FineTuneRequest.Builder b = FineTuneRequest.builder().model(model).data(data).training(training).strategy(strategy);
    if (cacheDir != null) {
      b.cacheDirectory(cacheDir);
    }
    if (o.noCache) {
      b.useCache(false);
    }
    if (o.checkpointDir != null) {
      b.checkpointDirectory(o.checkpointDir); // as `train --out` keeps them, after every epoch
    }
    return b.build();
  }

  /** How the request's cache is set, for the JSON. */
  private static String describeCache(Benchmark o) {
    if (o.noCache) {
      return "off (--no-cache)";
    }
    return "product default (on where no phase trains the base), directory "
        + (o.cacheDir == null ? "the default" : o.cacheDir.toString());
  }
}
