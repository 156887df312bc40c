package org.finetune.train;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
  private final Set<String> skipped = new HashSet<>();

  /**
   * Builds the training graph for a plan (the base to use and what phase 2 trains) and loads the
   * base's weights.
   *
   * @param decoder turns image files into the base's input; the caller owns it
   * @param strict stop at the first unreadable image instead of skipping it
   */
  public Trainer(
      StrategyPlan plan, HeadConfig head, int classes, TrainingConfig config, ImageDecoder decoder, boolean strict) {
    this.graph =
        new TrainingGraph(plan.base(), head, classes, config, plan.fineTuneVariables(),
            plan.config().fineTuneLearningRate(config.learningRate()));
    this.config = config;
    this.plan = plan;
    this.decoder = decoder;
    this.strict = strict;
  }

  /**
   * Trains the head for {@code config.epochs()} epochs, then, if the plan has a phase 2, the head
   * and the unfrozen base layers for its epochs; validates on {@code validation} after each epoch.
   * Epochs are numbered across both phases, as Keras' {@code initial_epoch} does.
   */
  public History fit(List<ImageEntry> train, List<ImageEntry> validation, TrainingListener listener) {
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
    BatchOptions options = BatchOptions.shuffled(config.batchSize(), config.seed()).withStrict(strict);
    try (BatchStream batches = BatchStream.open(train, decoder, options, epoch, skipListener(listener))) {
      int step = 0;
      while (batches.hasNext()) {
        Batch batch = batches.next();
        TrainingGraph.StepResult result;
        try (TFloat32 x = batch.pixelsTensor(); TInt32 y = batch.labelsTensor()) {
          result = graph.train(x, y, fineTune);
        }
        lossSum += (double) result.meanLoss() * batch.size();
        correct += result.correct();
        images += batch.size();
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
    if (entries.isEmpty()) {
      return Evaluation.empty();
    }
    double lossSum = 0;
    long correct = 0;
    long images = 0;
    BatchOptions options = BatchOptions.inOrder(config.batchSize()).withStrict(strict);
    try (BatchStream batches = BatchStream.open(entries, decoder, options, 0, skipListener(listener))) {
      while (batches.hasNext()) {
        Batch batch = batches.next();
        try (TFloat32 x = batch.pixelsTensor(); TInt32 y = batch.labelsTensor()) {
          TrainingGraph.StepResult result = graph.evaluate(x, y);
          lossSum += (double) result.meanLoss() * batch.size();
          correct += result.correct();
          images += batch.size();
        }
      }
    }
    return images == 0 ? Evaluation.empty() : new Evaluation(lossSum / images, (double) correct / images, images, correct);
  }

  /** Class probabilities for one batch of preprocessed images. */
  public float[][] predict(Batch batch) {
    try (TFloat32 x = batch.pixelsTensor()) {
      return graph.predict(x);
    }
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
