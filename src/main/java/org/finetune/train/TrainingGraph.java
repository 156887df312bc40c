package org.finetune.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.finetune.error.FineTuneException;
import org.finetune.head.Head;
import org.finetune.head.HeadConfig;
import org.finetune.model.BaseNetwork;
import org.finetune.model.ImportedNetwork;
import org.finetune.model.StoredTensor;
import org.finetune.model.WeightLoader;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.framework.optimizers.Optimizer.GradAndVar;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TType;

/**
 * The graph a fine-tuning run trains: the rebuilt base, the head (a dropout path for training and
 * an inference path for evaluation, sharing variables), categorical cross-entropy on the logits,
 * and Adam over an explicit list of variables. Owns its {@link Graph} and {@link Session}.
 */
final class TrainingGraph implements AutoCloseable {

  /**
   * Outcome of one step on one batch.
   *
   * @param correct correct decisions: images, or image-label pairs for a multi-label task
   * @param labelCounts multi-label evaluation only: per-label true positives, false positives and
   *     false negatives, {@code [3][labels]}; null otherwise
   */
  record StepResult(float meanLoss, int correct, long[][] labelCounts) {
    StepResult(float meanLoss, int correct) {
      this(meanLoss, correct, null);
    }
  }

  /**
   * An Adam update, the gradients it applies (one per variable, in the variables' order), and its
   * learning rate: a placeholder defaulting to the phase's rate, fed on each step by schedules.
   */
  private record Step(Op update, List<Output<?>> gradients, Operand<TFloat32> learningRate) {}

  private final Graph graph;
  private final Session session;
  private final ImportedNetwork base;
  private final Objective objective;
  private final Placeholder<?> labels;
  private final Placeholder<TInt64> dropoutSeed;
  private final long seed;
  private final Operand<TFloat32> trainLoss;
  private final Operand<TFloat32> trainCorrect;
  private final Placeholder<TFloat32> classWeights;
  private float[] classWeightValues;
  private final List<Op> trainUpdates;
  private final Step headStep;
  private final Step fineTuneStep;
  private final Operand<TFloat32> evalLoss;
  private final Operand<TFloat32> evalCorrect;
  private final Operand<TFloat32> evalLabelCounts; // multi-label only
  private final Operand<TFloat32> probabilities;
  private final List<String> headVariables;
  private final List<String> headState;
  private final Checkpointer checkpointer;
  private final List<String> fineTuneVariables;

  /**
   * Builds the graph and loads the base's weights.
   *
   * @param network the base (already cut, if the strategy cuts)
   * @param fineTuneBase op names of the base variables phase 2 trains with the head (empty: no phase 2)
   * @param fineTuneLearningRate phase 2's learning rate
   */
  TrainingGraph(
      BaseNetwork network,
      HeadConfig headConfig,
      int classes,
      TrainingConfig config,
      List<String> fineTuneBase,
      double fineTuneLearningRate) {
    this(network, headConfig, LabelTask.singleLabel(classes), config, fineTuneBase, fineTuneLearningRate);
  }

  /** As above for a single- or multi-label {@code task}. */
  TrainingGraph(
      BaseNetwork network,
      HeadConfig headConfig,
      LabelTask task,
      TrainingConfig config,
      List<String> fineTuneBase,
      double fineTuneLearningRate) {
    graph = new Graph();
    Session opened = null;
    try {
      base = network.importInto(graph);
      Ops tf = Ops.create(graph);
      Head head = Head.create(tf, headConfig, base.output().shape(), task.outputs(), task.activation(), config.seed());
      objective = new Objective(tf, task, headConfig.labelSmoothing());
      labels = objective.labels();

      seed = config.seed();
      dropoutSeed = tf.withName("dropout_seed").placeholder(TInt64.class, Placeholder.shape(Shape.of(2)));
      Head.Forward train = head.train(tf.withSubScope("train"), base.output(), dropoutSeed);
      trainUpdates = train.updates();
      Operand<TFloat32> regularization = head.regularization(tf.withSubScope("l2"));
      Callbacks callbacks = config.callbacks();
      if (callbacks.classWeights() == null) {
        classWeights = null;
        trainLoss = withRegularization(tf, objective.loss(tf, train.logits()), regularization);
      } else {
        if (task.multiLabel()) {
          throw FineTuneException.badOption("--class-weight weighs the classes of single-label data; it cannot be"
              + " used with --labels (multi-label)");
        }
        // Keras' class_weight: each image's loss times its class's weight, the sum still over the batch size.
        classWeights = tf.withName("class_weights").placeholder(TFloat32.class, Placeholder.shape(Shape.of(task.outputs())));
        Operand<TFloat32> sampleWeights = tf.gather(classWeights, objective.classIndices(), tf.constant(0));
        trainLoss = withRegularization(tf, objective.loss(tf, train.logits(), sampleWeights), regularization);
      }
      trainCorrect = objective.correct(tf, train.logits());

      Operand<TFloat32> evalLogits = head.logits(tf.withSubScope("eval"), base.output());
      evalLoss = withRegularization(tf, objective.loss(tf, evalLogits), regularization);
      evalCorrect = objective.correct(tf, evalLogits);
      evalLabelCounts = task.multiLabel() ? objective.labelCounts(tf, evalLogits) : null;
      probabilities = task.activation().apply(tf, evalLogits);

      headVariables = head.variableNames();
      headState = head.stateVariableNames();
      headStep = minimize(tf, headVariables, "adam", config.learningRate());
      if (fineTuneBase.isEmpty()) {
        fineTuneVariables = List.of();
        fineTuneStep = null;
      } else {
        fineTuneVariables = new ArrayList<>(headVariables);
        fineTuneVariables.addAll(fineTuneBase);
        // A second Adam with its own state, as Keras' guide recompiles before fine-tuning.
        fineTuneStep = minimize(tf, fineTuneVariables, "adam_fine_tune", fineTuneLearningRate);
      }

      checkpointer = new Checkpointer(graph); // after the optimizers: their slots are variables too
      opened = new Session(graph, SessionThreads.config(config.threads()));
      WeightLoader.assign(opened, network.weights()); // the session's first run also initialises the head and Adam
      session = opened;
    } catch (RuntimeException e) {
      if (opened != null) {
        opened.close();
      }
      graph.close();
      throw e;
    }
  }

  /** Keras reports the loss with the regularisation penalties added, in training and evaluation alike. */
  private static Operand<TFloat32> withRegularization(Ops tf, Operand<TFloat32> loss, Operand<TFloat32> penalty) {
    return penalty == null ? loss : tf.math.add(loss, penalty);
  }

  /** Adam over exactly {@code variables}: every other variable stays as it is. */
  private Step minimize(Ops tf, List<String> variables, String name, double learningRate) {
    List<Output<?>> vars = variables.stream().<Output<?>>map(graph::outputOrThrow).toList();
    Output<?>[] grads = graph.addGradients(trainLoss.asOutput(), vars.toArray(Output<?>[]::new));
    List<GradAndVar<? extends TType>> pairs = new ArrayList<>();
    for (int i = 0; i < vars.size(); i++) {
      pairs.add(pair(grads[i], vars.get(i)));
    }
    Operand<TFloat32> rate =
        tf.withName(name + "_learning_rate").placeholderWithDefault(tf.constant((float) learningRate), Shape.scalar());
    KerasAdam adam = new KerasAdam(graph, name, rate);
    return new Step(adam.applyGradients(pairs, name + "_step"), List.of(grads), rate);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static GradAndVar<? extends TType> pair(Output<?> grad, Output<?> var) {
    return new GradAndVar(grad, var);
  }

  /** What the head is fitted to; {@link Objective#targets} makes a batch's labels tensor. */
  LabelTask task() {
    return objective.task();
  }

  /** The labels tensor of a batch: class indices, or a multi-hot matrix; the caller closes it. */
  Tensor targets(List<org.finetune.data.ImageEntry> batch) {
    return objective.targets(batch);
  }

  /**
   * One Adam step on a batch, of the head alone or (fineTune) of the head and the unfrozen base
   * layers; returns the batch's mean loss and correct count (with dropout, as Keras reports).
   */
  StepResult train(TFloat32 images, Tensor batchLabels, boolean fineTune) {
    return train(images, batchLabels, fineTune, false, 0, Double.NaN);
  }

  /** As {@link #train(TFloat32, Tensor, boolean, boolean, long, double)} at the phase's own rate. */
  StepResult train(TFloat32 batch, Tensor batchLabels, boolean fineTune, boolean features, long step) {
    return train(batch, batchLabels, fineTune, features, step, Double.NaN);
  }

  /**
   * The weight of each class in the training loss from now on, when the config has class weights.
   */
  void classWeights(double[] weights) {
    if (classWeights == null) {
      throw new IllegalStateException("this graph was built without class weights");
    }
    classWeightValues = new float[weights.length];
    for (int i = 0; i < weights.length; i++) {
      classWeightValues[i] = (float) weights[i];
    }
  }

  /**
   * As {@link #train(TFloat32, Tensor, boolean)}; with {@code features} the batch holds the base's
   * output instead of images, fed in place of it so the base does not run (head-only steps).
   *
   * @param step the run's step number, which with the seed fixes this step's dropout masks
   * @param learningRate this step's rate; NaN for the phase's own
   */
  StepResult train(TFloat32 batch, Tensor batchLabels, boolean fineTune, boolean features, long step, double learningRate) {
    Step update = step(fineTune);
    if (classWeights != null && classWeightValues == null) {
      throw new IllegalStateException("class weights must be set before training");
    }
    try (TInt64 stepSeed = TInt64.vectorOf(seed, step);
        TFloat32 rate = Double.isNaN(learningRate) ? null : TFloat32.scalarOf((float) learningRate);
        TFloat32 weights = classWeights == null ? null : TFloat32.vectorOf(classWeightValues)) {
      Session.Runner runner =
          session.runner()
              .feed(features ? base.output() : base.input(), batch)
              .feed(dropoutSeed, stepSeed)
              .feed(labels, batchLabels)
              .addTarget(update.update());
      if (rate != null) {
        runner.feed(update.learningRate(), rate);
      }
      if (weights != null) {
        runner.feed(classWeights, weights);
      }
      trainUpdates.forEach(runner::addTarget); // batch norm's moving averages
      try (Result r = runner.fetch(trainLoss).fetch(trainCorrect).run()) {
        return new StepResult(scalar(r, 0), (int) scalar(r, 1));
      }
    }
  }

  private Step step(boolean fineTune) {
    Step step = fineTune ? fineTuneStep : headStep;
    if (step == null) {
      throw new IllegalStateException("this graph has no fine-tuning phase");
    }
    return step;
  }

  /**
   * The gradients a step would apply on this batch, by variable op name, without applying them:
   * for tests that compare them with Keras'.
   */
  Map<String, StoredTensor> gradients(TFloat32 images, Tensor batchLabels, boolean fineTune) {
    Step step = step(fineTune);
    List<String> variables = fineTune ? fineTuneVariables : headVariables;
    try (TInt64 stepSeed = TInt64.vectorOf(seed, 0)) {
      Session.Runner runner =
          session.runner().feed(base.input(), images).feed(labels, batchLabels).feed(dropoutSeed, stepSeed);
      step.gradients().forEach(runner::fetch);
      return fetchNamed(runner, variables);
    }
  }

  private static Map<String, StoredTensor> fetchNamed(Session.Runner runner, List<String> variables) {
    Map<String, StoredTensor> values = new LinkedHashMap<>();
    try (Result r = runner.run()) {
      for (int i = 0; i < variables.size(); i++) {
        values.put(variables.get(i), StoredTensor.copyOf(r.get(i)));
      }
    }
    return values;
  }

  /** Loss and correct count on a batch of images (or of the base's outputs) without dropout and without training. */
  StepResult evaluate(TFloat32 batch, Tensor batchLabels, boolean features) {
    Session.Runner runner =
        session.runner()
            .feed(features ? base.output() : base.input(), batch)
            .feed(labels, batchLabels)
            .fetch(evalLoss)
            .fetch(evalCorrect);
    if (evalLabelCounts != null) {
      runner.fetch(evalLabelCounts);
    }
    try (Result r = runner.run()) {
      return new StepResult(scalar(r, 0), (int) scalar(r, 1), evalLabelCounts == null ? null : counts((TFloat32) r.get(2)));
    }
  }

  private static long[][] counts(TFloat32 t) {
    int labels = (int) t.shape().get(1);
    long[][] out = new long[3][labels];
    for (int k = 0; k < 3; k++) {
      for (int j = 0; j < labels; j++) {
        out[k][j] = Math.round(t.getFloat(k, j));
      }
    }
    return out;
  }

  /** The base's output for a batch of images, flattened in C order. */
  float[] features(TFloat32 images) {
    try (Result r = session.runner().feed(base.input(), images).fetch(base.output()).run()) {
      TFloat32 out = (TFloat32) r.get(0);
      float[] values = new float[(int) out.size()];
      out.copyTo(DataBuffers.of(values, false, false));
      return values;
    }
  }

  /** Static shape of the base's output, -1 for the batch. */
  Shape featureShape() {
    return base.output().shape();
  }

  /** Class probabilities [n, classes] for a batch (sigmoid ones, one per label, for a multi-label task). */
  float[][] predict(TFloat32 images) {
    try (Result r = session.runner().feed(base.input(), images).fetch(probabilities).run()) {
      TFloat32 p = (TFloat32) r.get(0);
      int n = (int) p.shape().get(0);
      int c = (int) p.shape().get(1);
      float[][] out = new float[n][c];
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < c; j++) {
          out[i][j] = p.getFloat(i, j);
        }
      }
      return out;
    }
  }

  private static float scalar(Result r, int i) {
    return ((TFloat32) r.get(i)).getFloat();
  }

  /** Writes every variable (base, head, optimizer state) to a checkpoint at {@code prefix}. */
  void save(Path prefix) {
    checkpointer.save(session, prefix);
  }

  /** Sets every variable from a checkpoint {@link #save} wrote. */
  void restore(Path prefix) {
    checkpointer.restore(session, prefix);
  }

  List<String> headVariables() {
    return headVariables;
  }

  /** The head's batch norm moving averages: updated by training steps, not by the optimizer. */
  List<String> headState() {
    return headState;
  }

  /** The head's and the unfrozen base layers' variables; empty without a phase 2. */
  List<String> fineTuneVariables() {
    return List.copyOf(fineTuneVariables);
  }

  Session session() {
    return session;
  }

  @Override
  public void close() {
    try (Graph g = graph; Session s = session) {
      // closes both, session first
    }
  }
}
