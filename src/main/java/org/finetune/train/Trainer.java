package org.finetune.train;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.finetune.cache.FeatureCache;
import org.finetune.data.Batch;
import org.finetune.data.BatchOptions;
import org.finetune.data.BatchStream;
import org.finetune.data.ClassCoverage;
import org.finetune.data.ImageDecoder;
import org.finetune.data.ImageEntry;
import org.finetune.data.Shuffle;
import org.finetune.data.SkipListener;
import org.finetune.data.UnreadableImageException;
import org.finetune.error.FineTuneException;
import org.finetune.head.HeadConfig;
import org.finetune.model.StoredTensor;
import org.finetune.model.WeightLoader;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * Trains a head (and, when asked, some base layers) on labelled images, Keras {@code fit} style:
 * shuffled batches each epoch, per-epoch training and validation loss and accuracy.
 */
public final class Trainer implements AutoCloseable {

  public static final String HEAD_PHASE = "head";
  public static final String FINE_TUNE_PHASE = "fine-tune";

  private final TrainingGraph graph;
  private final TrainingConfig config;
  private final StrategyPlan plan;
  private final ImageDecoder decoder;
  private final boolean strict;
  private final CachedFeatures features;
  private final String cacheNote;
  private final Map<String, String> skipped = new HashMap<>(); // location -> why it was skipped
  private final List<String> classNames;
  private long globalStep;

  /**
   * Builds the training graph for a plan (the base to use and what phase 2 trains) and loads the
   * base's weights.
   *
   * @param decoder turns image files into the base's input; the caller owns it. Training images
   *     (never validation or evaluation ones) are augmented as its {@link ImageDecoder#augmentation()}
   *     says, drawn per (seed, epoch, image)
   * @param strict stop at the first unreadable image instead of skipping it
   * @param cache where to keep the frozen base's outputs; used only when no phase trains the base
   */
  public Trainer(
      StrategyPlan plan,
      HeadConfig head,
      List<String> classNames,
      TrainingConfig config,
      ImageDecoder decoder,
      boolean strict,
      CacheSettings cache) {
    this(plan, head, classNames, LabelTask.singleLabel(classNames.size()), config, decoder, strict, cache);
  }

  /**
   * As above for a single- or multi-label {@code task}; a multi-label task's entries carry their
   * {@link ImageEntry#labelSet() label sets}.
   */
  public Trainer(
      StrategyPlan plan,
      HeadConfig head,
      List<String> classNames,
      LabelTask task,
      TrainingConfig config,
      ImageDecoder decoder,
      boolean strict,
      CacheSettings cache) {
    this.graph =
        new TrainingGraph(plan.base(), head, task, config, plan.fineTuneVariables(),
            plan.config().fineTuneLearningRate(config.learningRate()));
    this.config = config;
    this.plan = plan;
    this.classNames = List.copyOf(classNames);
    if (!cache.enabled()) {
      this.features = null;
      this.cacheNote = "the feature cache is off (--no-cache): the base runs on every image in every epoch";
    } else if (plan.hasFineTunePhase()) {
      this.features = null;
      this.cacheNote = "the feature cache is off: phase 2 trains base layers, so the base's outputs change";
    } else if (decoder.augmentation().enabled()) {
      this.features = null;
      this.cacheNote = "the feature cache is off: augmentation (" + decoder.augmentation().spec()
          + ") changes the training images, so the base's outputs differ in every epoch";
    } else {
      Shape shape = graph.featureShape();
      long floats = 1;
      for (int d = 1; d < shape.numDimensions(); d++) {
        floats *= shape.get(d); // the batch dimension is unknown; every other one is static
      }
      this.features = new CachedFeatures(FeatureCache.open(cache.directory(), cache.namespace(), Math.toIntExact(floats)), shape);
      this.cacheNote = "the base's outputs are cached in " + cache.directory()
          + ": computed once per image, reused in every epoch and later runs (--no-cache to turn off)";
    }
    this.decoder = decoder;
    this.strict = strict;
  }

  /** As {@link #fit(List, List, TrainingListener, RunCheckpoints, boolean)} without checkpoints. */
  public History fit(List<ImageEntry> train, List<ImageEntry> validation, TrainingListener listener) {
    return fit(train, validation, listener, null, false);
  }

  /**
   * Trains the head for {@code config.epochs()} epochs, then, if the plan has a phase 2, the head
   * and the unfrozen base layers for its epochs; validates on {@code validation} after each epoch.
   * Epochs are numbered across both phases, as Keras' {@code initial_epoch} does.
   *
   * <p>With {@code checkpoints}, every finished epoch is saved there, and a stop the listener asks
   * for ends the run after the current batch with a checkpoint of it; with {@code resume}, the run
   * continues from the last checkpoint, and ends as the uninterrupted run would have.
   *
   * @throws FineTuneException of kind INTERRUPTED when the listener asked to stop
   */
  public History fit(
      List<ImageEntry> train, List<ImageEntry> validation, TrainingListener listener, RunCheckpoints checkpoints,
      boolean resume) {
    listener.note(cacheNote);
    if (features != null) {
      List<ImageEntry> planned = train;
      train = prepareFeatures(train, listener);
      // a class or label whose images all failed to decode could never be learnt
      if (graph.task().multiLabel()) {
        ClassCoverage.requireEveryLabel(planned, train, classNames, entry -> skipped.get(entry.location()));
      } else {
        ClassCoverage.require(planned, train, entry -> skipped.get(entry.location()));
      }
      validation = prepareFeatures(validation, listener);
    }
    Callbacks callbacks = config.callbacks();
    callbacks.requireMonitorable(!validation.isEmpty());
    if (callbacks.classWeights() != null) {
      graph.classWeights(callbacks.classWeights().resolve(classNames, imagesPerClass(train)));
    }
    TrainingProgress progress = resume ? restore(checkpoints, listener) : TrainingProgress.start();
    try (BestWeightFiles bestWeights = new BestWeightFiles(graph, checkpoints)) {
      CallbackRunner runner = new CallbackRunner(callbacks, progress.callbacks(), bestWeights, listener);
      History history = trainEpochs(train, validation, listener, checkpoints, progress, runner);
      runner.runFinished();
      return history;
    }
  }

  /** The epochs from where {@code progress} stands to the end of the last phase. */
  private History trainEpochs(
      List<ImageEntry> train, List<ImageEntry> validation, TrainingListener listener, RunCheckpoints checkpoints,
      TrainingProgress progress, CallbackRunner runner) {
    History history = new History(progress.history());
    int fineTuneEpochs = plan.hasFineTunePhase() ? plan.config().fineTuneEpochs() : 0;
    int total = config.epochs() + fineTuneEpochs;
    long stepsPerEpoch = (train.size() + config.batchSize() - 1) / config.batchSize();
    for (int epoch = progress.epoch(); epoch <= total; epoch++) {
      boolean fineTune = epoch > config.epochs();
      int phaseStart = fineTune ? config.epochs() + 1 : 1;
      boolean resumedInEpoch = epoch == progress.epoch() && !progress.atEpochBoundary();
      if (epoch == phaseStart && !resumedInEpoch) {
        runner.phaseStarted(globalStep);
      }
      Phase phase = new Phase(fineTune, fineTune ? plan.config().fineTuneLearningRate(config.learningRate()) : config.learningRate(),
          stepsPerEpoch * (fineTune ? fineTuneEpochs : config.epochs()));
      // progress: where the run stands, with the history so far, which a mid-epoch checkpoint keeps
      EpochMetrics metrics = runEpoch(epoch, total, train, validation, listener, progress, checkpoints, runner, phase);
      history.add(metrics);
      boolean phaseStopped = runner.epochFinished(metrics, phase.learningRate());
      int phaseEnd = fineTune ? total : config.epochs();
      if (phaseStopped || epoch == phaseEnd) {
        runner.phaseFinished(); // before the checkpoint: a resumed run starts the next phase from these weights
      }
      int next = phaseStopped ? phaseEnd + 1 : epoch + 1;
      progress = new TrainingProgress(next, 0, globalStep, 0, 0, 0, 0, history.epochs(), runner.state());
      if (checkpoints != null) {
        checkpoints.save(graph, progress);
      }
      if (next <= total && listener.stopRequested()) {
        stop(checkpoints, progress, checkpoints != null);
      }
      epoch = next - 1;
    }
    return history;
  }

  /** The phase an epoch belongs to: which step trains, at what rate, over how many steps in all. */
  private record Phase(boolean fineTune, double learningRate, long steps) {}

  private int[] imagesPerClass(List<ImageEntry> entries) {
    int[] counts = new int[classNames.size()];
    entries.forEach(e -> counts[e.label()]++);
    return counts;
  }

  private TrainingProgress restore(RunCheckpoints checkpoints, TrainingListener listener) {
    RunCheckpoints.Saved saved =
        checkpoints == null ? null : checkpoints.latest().orElse(null);
    if (saved == null) {
      throw FineTuneException.badOption(
          "Nothing to resume: no interrupted run of this configuration"
              + (checkpoints == null ? "" : " in " + checkpoints.directory())
              + " (the model, data and options must be those of the interrupted run)");
    }
    graph.restore(saved.weights());
    TrainingProgress progress = saved.progress();
    globalStep = progress.globalStep();
    listener.note("resuming at epoch " + progress.epoch() + ", step " + progress.step() + " from " + checkpoints.directory());
    return progress;
  }

  /** Runs one epoch, from the progress' step if it is the epoch the progress stands in. */
  private EpochMetrics runEpoch(
      int epoch, int epochs, List<ImageEntry> train, List<ImageEntry> validation, TrainingListener listener,
      TrainingProgress progress, RunCheckpoints checkpoints, CallbackRunner runner, Phase phaseInfo) {
    boolean fineTune = phaseInfo.fineTune();
    String phase = fineTune ? FINE_TUNE_PHASE : HEAD_PHASE;
    boolean resumed = epoch == progress.epoch() && !progress.atEpochBoundary();
    int step = resumed ? progress.step() : 0;
    double lossSum = resumed ? progress.lossSum() : 0;
    long correct = resumed ? progress.correct() : 0;
    long images = resumed ? progress.images() : 0;
    double earlier = resumed ? progress.seconds() : 0;
    listener.epochStarted(phase, epoch, epochs, (train.size() + config.batchSize() - 1) / config.batchSize(), train.size());
    long start = System.nanoTime();
    try (Batches batches = trainingBatches(train, epoch, step, listener)) {
      while (batches.hasNext()) {
        TrainingGraph.StepResult result;
        int size;
        try (Labelled batch = batches.next()) {
          double rate = runner.learningRate(phaseInfo.learningRate(), globalStep, phaseInfo.steps());
          result = graph.train(batch.inputs(), batch.labels(), fineTune, batch.features(), globalStep++, rate);
          size = batch.size();
        }
        lossSum += (double) result.meanLoss() * size;
        correct += result.correct();
        images += size;
        listener.stepFinished(++step, images, lossSum / images, accuracy(correct, images));
        if (listener.stopRequested() && batches.hasNext()) { // at the epoch's end, fit saves and stops
          TrainingProgress now = new TrainingProgress(epoch, step, globalStep, lossSum, correct, images,
              earlier + (System.nanoTime() - start) / 1e9, progress.history(), runner.state());
          if (checkpoints != null) {
            checkpoints.save(graph, now);
          }
          stop(checkpoints, now, checkpoints != null);
        }
      }
    }
    double seconds = earlier + (System.nanoTime() - start) / 1e9;
    Evaluation val = validation.isEmpty() ? null : evaluatePrepared(validation, listener);
    EpochMetrics metrics =
        new EpochMetrics(
            phase,
            epoch,
            images == 0 ? Double.NaN : lossSum / images,
            images == 0 ? Double.NaN : accuracy(correct, images),
            val == null ? null : val.loss(),
            val == null ? null : val.accuracy(),
            seconds,
            images / seconds);
    listener.epochFinished(metrics);
    return metrics;
  }

  /** Correct decisions over decisions made: images, or image-label pairs for a multi-label task. */
  private double accuracy(long correct, long images) {
    return (double) correct / ((double) images * graph.task().decisionsPerImage());
  }

  /** Ends the run: the user asked to stop; {@code saved} when a checkpoint of {@code progress} exists. */
  private static void stop(RunCheckpoints checkpoints, TrainingProgress progress, boolean saved) {
    String where = progress.atEpochBoundary()
        ? "after epoch " + (progress.epoch() - 1)
        : "in epoch " + progress.epoch() + " after step " + progress.step();
    throw new FineTuneException(FineTuneException.Kind.INTERRUPTED, "Training stopped by request " + where
        + (saved ? "; a checkpoint is in " + checkpoints.directory() + ": run the same command with --resume to continue" : ""));
  }

  /** Loss and accuracy on {@code entries}, without dropout, in order. */
  public Evaluation evaluate(List<ImageEntry> entries, TrainingListener listener) {
    if (features != null) {
      entries = prepareFeatures(entries, listener);
    }
    return evaluatePrepared(entries, listener);
  }

  private Evaluation evaluatePrepared(List<ImageEntry> entries, TrainingListener listener) {
    if (entries.isEmpty()) {
      return Evaluation.empty();
    }
    double lossSum = 0;
    long correct = 0;
    long images = 0;
    LabelTask task = graph.task();
    MultiLabelMetrics counts = task.multiLabel()
        ? new MultiLabelMetrics(task.threshold(), new long[task.outputs()], new long[task.outputs()], new long[task.outputs()])
        : null;
    try (Batches batches = evaluationBatches(entries, listener)) {
      while (batches.hasNext()) {
        try (Labelled batch = batches.next()) {
          TrainingGraph.StepResult result = graph.evaluate(batch.inputs(), batch.labels(), batch.features());
          lossSum += (double) result.meanLoss() * batch.size();
          correct += result.correct();
          images += batch.size();
          if (counts != null) {
            counts = counts.plus(result.labelCounts()[0], result.labelCounts()[1], result.labelCounts()[2]);
          }
        }
      }
    }
    return images == 0 ? Evaluation.empty() : new Evaluation(lossSum / images, accuracy(correct, images), images, correct, counts);
  }

  /**
   * A batch ready for the graph: images or the base's outputs, with labels. Closing it closes the
   * labels and whatever owns the inputs (the decoded batch, or the features tensor itself).
   */
  private record Labelled(TFloat32 inputs, Tensor labels, boolean features, int size, AutoCloseable owner)
      implements AutoCloseable {
    @Override
    public void close() {
      labels.close();
      try {
        owner.close();
      } catch (Exception e) {
        throw new IllegalStateException("closing a batch cannot fail", e);
      }
    }
  }

  /** An epoch's batches; closing stops any decoding still under way. */
  private interface Batches extends Iterator<Labelled>, AutoCloseable {
    @Override
    void close();
  }

  /**
   * The epoch's batches in its shuffled order, from batch {@code skip} on (a resumed epoch): the
   * order depends on (seed, epoch) alone, so the batches are those the epoch had.
   */
  private Batches trainingBatches(List<ImageEntry> entries, int epoch, int skip, TrainingListener listener) {
    List<ImageEntry> order = Shuffle.of(entries, config.seed(), epoch);
    List<ImageEntry> rest = order.subList(Math.min(order.size(), skip * config.batchSize()), order.size());
    if (features != null) {
      return cachedBatches(features.batches(rest, config.batchSize()));
    }
    // Only a whole epoch can tell that a class has no readable image; a resumed one sees part of it.
    BatchOptions options = BatchOptions.inOrder(config.batchSize()).withStrict(strict)
        .withRequireEveryClass(skip == 0 && !graph.task().multiLabel())
        .withAugmentation(decoder.augmentation(), config.seed(), epoch); // per image: a resumed epoch draws what it drew
    return decodedBatches(rest, options, 0, listener);
  }

  private Batches evaluationBatches(List<ImageEntry> entries, TrainingListener listener) {
    if (features != null) {
      return cachedBatches(features.batches(entries, config.batchSize()));
    }
    return decodedBatches(entries, BatchOptions.inOrder(config.batchSize()).withStrict(strict), 0, listener);
  }

  private Batches cachedBatches(List<List<ImageEntry>> batches) {
    Iterator<List<ImageEntry>> each = batches.iterator();
    return new Batches() {
      @Override
      public void close() {
        // nothing runs ahead
      }

      @Override
      public boolean hasNext() {
        return each.hasNext();
      }

      @Override
      public Labelled next() {
        List<ImageEntry> batch = each.next();
        TFloat32 inputs = features.features(batch);
        return new Labelled(inputs, graph.targets(batch), true, batch.size(), inputs);
      }
    };
  }

  /** Batches decoded ahead by the stream's workers. */
  private Batches decodedBatches(List<ImageEntry> entries, BatchOptions options, int epoch, TrainingListener listener) {
    BatchStream stream = BatchStream.open(entries, decoder, options, epoch, skipListener(listener));
    return new Batches() {
      @Override
      public void close() {
        stream.close();
      }

      @Override
      public boolean hasNext() {
        return stream.hasNext();
      }

      @Override
      public Labelled next() {
        Batch batch = stream.next();
        return new Labelled(batch.pixels(), graph.targets(batch.entries()), false, batch.size(), batch);
      }
    };
  }

  /** Computes the base's outputs for images the cache lacks; returns the images that have them. */
  private List<ImageEntry> prepareFeatures(List<ImageEntry> entries, TrainingListener listener) {
    BatchOptions options = BatchOptions.inOrder(config.batchSize()).withStrict(strict);
    return features.prepare(entries, decoder, graph, options, skipListener(listener));
  }

  /** What the head predicts: single- or multi-label, with how many outputs. */
  public LabelTask task() {
    return graph.task();
  }

  /** Class probabilities for one batch of preprocessed images (sigmoid ones for a multi-label task). */
  public float[][] predict(Batch batch) {
    return graph.predict(batch.pixels());
  }

  private SkipListener skipListener(TrainingListener listener) {
    return (UnreadableImageException problem) -> {
      if (skipped.putIfAbsent(problem.location(), problem.reason()) == null) {
        listener.imageSkipped(problem.location(), problem.reason());
      }
    };
  }

  /** Distinct images skipped so far because they could not be read. */
  public int skippedImages() {
    return skipped.size();
  }

  /** Writes every variable (base, head, optimizer state) to a checkpoint. */
  public void saveCheckpoint(Path prefix) {
    graph.save(prefix);
  }

  /** Current values of the named variables, e.g. to check that frozen weights did not move. */
  public Map<String, StoredTensor> readWeights(List<String> variableOps) {
    return WeightLoader.read(graph.session(), variableOps);
  }

  /** Op names of the variables this trainer updates: the head's, and phase 2's base variables. */
  public List<String> trainedVariables() {
    List<String> all = new java.util.ArrayList<>(graph.headVariables());
    all.addAll(plan.fineTuneVariables());
    return all;
  }

  public StrategyPlan plan() {
    return plan;
  }

  @Override
  public void close() {
    graph.close();
  }
}
