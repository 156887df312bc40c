package org.finetune.bench;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
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
    r.put("cache", CacheHook.describe(o.cacheDir, o.noCache));
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
    r.put("cache", CacheHook.describe(o.cacheDir, o.noCache));
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
    CacheHook.apply(b, cacheDir, o.noCache);
    return b.build();
  }

  /**
   * Sets the bottleneck cache's directory and switch where the library has them ({@code
   * FineTuneRequest.Builder.cacheDirectory(Path)}, {@code useCache(boolean)}, being added on main).
   * Looked up by reflection so that the same benchmark runs before and after they merge; replace
   * with direct calls once they have.
   */
  static final class CacheHook {
    private CacheHook() {}

    static void apply(FineTuneRequest.Builder b, Path dir, boolean off) {
      if (dir != null) {
        call(b, "cacheDirectory", Path.class, dir);
      }
      if (off) {
        call(b, "useCache", boolean.class, false);
      }
    }

    static String describe(Path dir, boolean off) {
      if (!available()) {
        return "none in this build";
      }
      if (off) {
        return "off";
      }
      return dir == null ? "on, product default directory" : "on, directory " + dir;
    }

    static boolean available() {
      try {
        FineTuneRequest.Builder.class.getMethod("useCache", boolean.class);
        return true;
      } catch (NoSuchMethodException e) {
        return false;
      }
    }

    private static void call(FineTuneRequest.Builder b, String name, Class<?> type, Object value) {
      Method m;
      try {
        m = FineTuneRequest.Builder.class.getMethod(name, type);
      } catch (NoSuchMethodException e) {
        return; // no cache in this build: nothing to set
      }
      try {
        m.invoke(b, value);
      } catch (IllegalAccessException | InvocationTargetException e) {
        throw new IllegalStateException("cannot call FineTuneRequest.Builder." + name, e);
      }
    }
  }
}
