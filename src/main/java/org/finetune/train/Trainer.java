package org.finetune.train;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.finetune.cache.FeatureCache;
import org.finetune.data.Batch;
import org.finetune.data.BatchOptions;
import org.finetune.data.BatchStream;
import org.finetune.data.ImageDecoder;
import org.finetune.data.ImageEntry;
import org.finetune.data.SkipListener;
import org.finetune.data.UnreadableImageException;
import org.finetune.head.HeadConfig;
import org.finetune.model.StoredTensor;
import org.finetune.model.WeightLoader;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

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
  private final Set<String> skipped = new HashSet<>();
  private long globalStep;

  /**
   * Builds the training graph for a plan (the base to use and what phase 2 trains) and loads the
   * base's weights.
   *
   * @param decoder turns image files into the base's input; the caller owns it
   * @param strict stop at the first unreadable image instead of skipping it
   * @param cache where to keep the frozen base's outputs; used only when no phase trains the base
   */
  public Trainer(
      StrategyPlan plan,
      HeadConfig head,
      int classes,
      TrainingConfig config,
      ImageDecoder decoder,
      boolean strict,
      CacheSettings cache) {
    this.graph =
        new TrainingGraph(plan.base(), head, classes, config, plan.fineTuneVariables(),
            plan.config().fineTuneLearningRate(config.learningRate()));
    this.config = config;
    this.plan = plan;
    if (!cache.enabled()) {
      this.features = null;
      this.cacheNote = "the feature cache is off (--no-cache): the base runs on every image in every epoch";
    } else if (plan.hasFineTunePhase()) {
      this.features = null;
      this.cacheNote = "the feature cache is off: phase 2 trains base layers, so the base's outputs change";
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

  /**
   * Trains the head for {@code config.epochs()} epochs, then, if the plan has a phase 2, the head
   * and the unfrozen base layers for its epochs; validates on {@code validation} after each epoch.
   * Epochs are numbered across both phases, as Keras' {@code initial_epoch} does.
   */
  public History fit(List<ImageEntry> train, List<ImageEntry> validation, TrainingListener listener) {
    listener.note(cacheNote);
    if (features != null) {
      train = prepareFeatures(train, listener);
      validation = prepareFeatures(validation, listener);
    }
    History history = new History();
    int fineTuneEpochs = plan.hasFineTunePhase() ? plan.config().fineTuneEpochs() : 0;
    int total = config.epochs() + fineTuneEpochs;
    for (int epoch = 1; epoch <= total; epoch++) {
      boolean fineTune = epoch > config.epochs();
      history.add(runEpoch(fineTune, epoch, total, train, validation, listener));
    }
    return history;
  }

  private EpochMetrics runEpoch(
      boolean fineTune, int epoch, int epochs, List<ImageEntry> train, List<ImageEntry> validation,
      TrainingListener listener) {
    String phase = fineTune ? FINE_TUNE_PHASE : HEAD_PHASE;
    int steps = (train.size() + config.batchSize() - 1) / config.batchSize();
    listener.epochStarted(phase, epoch, epochs, steps, train.size());
    long start = System.nanoTime();
    double lossSum = 0;
    long correct = 0;
    long images = 0;
    int step = 0;
    try (Batches batches = trainingBatches(train, epoch, listener)) {
      while (batches.hasNext()) {
        TrainingGraph.StepResult result;
        int size;
        try (Labelled batch = batches.next()) {
          result = graph.train(batch.inputs(), batch.labels(), fineTune, batch.features(), globalStep++);
          size = batch.size();
        }
        lossSum += (double) result.meanLoss() * size;
        correct += result.correct();
        images += size;
        listener.stepFinished(++step, images, lossSum / images, (double) correct / images);
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    Evaluation val = validation.isEmpty() ? null : evaluate(validation, listener);
    EpochMetrics metrics =
        new EpochMetrics(
            phase,
            epoch,
            images == 0 ? Double.NaN : lossSum / images,
            images == 0 ? Double.NaN : (double) correct / images,
            val == null ? null : val.loss(),
            val == null ? null : val.accuracy(),
            seconds,
            images / seconds);
    listener.epochFinished(metrics);
    return metrics;
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
    try (Batches batches = evaluationBatches(entries, listener)) {
      while (batches.hasNext()) {
        try (Labelled batch = batches.next()) {
          TrainingGraph.StepResult result = graph.evaluate(batch.inputs(), batch.labels(), batch.features());
          lossSum += (double) result.meanLoss() * batch.size();
          correct += result.correct();
          images += batch.size();
        }
      }
    }
    return images == 0 ? Evaluation.empty() : new Evaluation(lossSum / images, (double) correct / images, images, correct);
  }

  /**
   * A batch ready for the graph: images or the base's outputs, with labels. Closing it closes the
   * labels and whatever owns the inputs (the decoded batch, or the features tensor itself).
   */
  private record Labelled(TFloat32 inputs, TInt32 labels, boolean features, int size, AutoCloseable owner)
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

  private Batches trainingBatches(List<ImageEntry> entries, int epoch, TrainingListener listener) {
    if (features != null) {
      return cachedBatches(features.batches(entries, config.batchSize(), config.seed(), epoch, true));
    }
    return decodedBatches(entries, BatchOptions.shuffled(config.batchSize(), config.seed()).withStrict(strict), epoch, listener);
  }

  private Batches evaluationBatches(List<ImageEntry> entries, TrainingListener listener) {
    if (features != null) {
      return cachedBatches(features.batches(entries, config.batchSize(), config.seed(), 0, false));
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
        return new Labelled(inputs, CachedFeatures.labels(batch), true, batch.size(), inputs);
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
        return new Labelled(batch.pixels(), batch.labelsTensor(), false, batch.size(), batch);
      }
    };
  }

  /** Computes the base's outputs for images the cache lacks; returns the images that have them. */
  private List<ImageEntry> prepareFeatures(List<ImageEntry> entries, TrainingListener listener) {
    BatchOptions options = BatchOptions.inOrder(config.batchSize()).withStrict(strict);
    return features.prepare(entries, decoder, graph, options, skipListener(listener));
  }

  /** Class probabilities for one batch of preprocessed images. */
  public float[][] predict(Batch batch) {
    return graph.predict(batch.pixels());
  }

  private SkipListener skipListener(TrainingListener listener) {
    return (UnreadableImageException problem) -> {
      if (skipped.add(problem.location())) {
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
