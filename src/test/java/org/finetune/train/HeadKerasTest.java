package org.finetune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.finetune.head.HeadConfig;
import org.finetune.head.HeadSpec;
import org.finetune.model.BaseNetwork;
import org.finetune.model.StoredTensor;
import org.finetune.model.WeightLoader;
import org.finetune.testing.Fixtures;
import org.finetune.testing.Npy;
import org.finetune.testing.Npz;
import org.finetune.testing.Python;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * A head spec means in Java what it means in Keras: the same spec, weights and batch of base
 * features give the same losses (L2 penalties and label smoothing included), the same weights
 * after two Adam steps, and the same batch norm moving averages (scripts/keras_head_step.py is
 * the Keras side).
 */
class HeadKerasTest {

  private static final int CLASSES = 3;
  private static final int STEPS = 2;
  private static final double LEARNING_RATE = 0.01;
  private static final int[] LABELS = {0, 1, 2, 1, 0, 2, 2, 1};

  static Stream<String> heads() {
    return Stream.of(
        "global_avg,dense(32,swish),batch_norm,dense(16,tanh),batch_norm",
        "flatten,dense(24,elu),dropout(0),dense(8,selu)",
        "global_max,batch_norm,dense(12,relu6),dense(6,sigmoid),dense(5,linear)");
  }

  /** Multi-hot targets of the multi-label case: [image][label], some images with none or all. */
  private static final float[][] TARGETS = {
    {1, 0, 1}, {0, 0, 0}, {1, 1, 1}, {0, 1, 0}, {1, 0, 0}, {0, 1, 1}, {0, 0, 1}, {1, 1, 0}};

  @ParameterizedTest(name = "{0}")
  @MethodSource("heads")
  void twoAdamStepsMatchKeras(String line, @TempDir Path dir) throws Exception {
    compareWithKeras(HeadSpec.fromLine(line, 1e-3, 0.1), Callbacks.NONE, dir, false);
  }

  /** Keras' class_weight in train_on_batch, and a CosineDecay learning rate fed step by step. */
  @org.junit.jupiter.api.Test
  void classWeightsAndACosineScheduleMatchKeras(@TempDir Path dir) throws Exception {
    Callbacks callbacks = Callbacks.NONE.withClassWeights(new ClassWeights.Given(Map.of("a", 0.5, "c", 3.0)))
        .withSchedule(new LearningRateSchedule.Cosine(0.2));
    compareWithKeras(HeadSpec.fromLine("global_avg,dense(16,relu),batch_norm", 0, 0), callbacks, dir, false);
  }

  /**
   * Multi-label: a sigmoid head with the framework's BinaryCrossentropy(fromLogits, label smoothing)
   * on multi-hot targets against Keras' BinaryCrossentropy(from_logits=True); also the per-label
   * true/false positive/negative counts at 0.5 against Keras' probabilities.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("heads")
  void multiLabelStepsMatchKeras(String line, @TempDir Path dir) throws Exception {
    compareWithKeras(HeadSpec.fromLine(line, 1e-3, 0.1), Callbacks.NONE, dir, true);
  }

  private void compareWithKeras(HeadConfig head, Callbacks callbacks, Path dir, boolean multiLabel) throws Exception {
    float[] targets = new float[TARGETS.length * CLASSES];
    for (int i = 0; i < TARGETS.length; i++) {
      System.arraycopy(TARGETS[i], 0, targets, i * CLASSES, CLASSES);
    }
    LabelTask task = multiLabel ? LabelTask.multiLabel(CLASSES, 0.5) : LabelTask.singleLabel(CLASSES);
    long[][] javaCounts = null;
    BaseNetwork base = BaseNetwork.load(Fixtures.model("mobilenet_v2-keras3-export"));
    TrainingConfig config = TrainingConfig.builder().learningRate(LEARNING_RATE).seed(3).callbacks(callbacks).build();
    double[] classWeights = callbacks.classWeights() == null ? null
        : callbacks.classWeights().resolve(List.of("a", "b", "c"), new int[] {3, 3, 2});
    float[] javaLosses = new float[STEPS];
    float javaEvalLoss;
    Map<String, StoredTensor> before;
    Map<String, StoredTensor> after;
    List<String> names;
    long[] shape;
    float[] features;
    try (TrainingGraph graph = new TrainingGraph(base, head, task, config, List.of(), LEARNING_RATE)) {
      Shape featureShape = graph.featureShape();
      shape = featureShape.asArray();
      shape[0] = LABELS.length;
      features = randomFeatures(Shape.of(shape).size());
      names = new ArrayList<>(graph.headVariables());
      names.addAll(graph.headState());
      before = WeightLoader.read(graph.session(), names);
      if (classWeights != null) {
        graph.classWeights(classWeights);
      }
      try (TFloat32 x = TFloat32.tensorOf(Shape.of(shape), DataBuffers.of(features, true, false));
          Tensor y = multiLabel
              ? TFloat32.tensorOf(Shape.of(TARGETS.length, CLASSES), DataBuffers.of(targets, true, false))
              : TInt32.vectorOf(LABELS)) {
        for (int step = 0; step < STEPS; step++) {
          double rate = callbacks.schedule() instanceof LearningRateSchedule.Cosine cosine
              ? cosine.at(LEARNING_RATE, step, STEPS) : Double.NaN;
          javaLosses[step] = graph.train(x, y, false, true, step, rate).meanLoss();
        }
        TrainingGraph.StepResult eval = graph.evaluate(x, y, true);
        javaEvalLoss = eval.meanLoss();
        javaCounts = eval.labelCounts();
      }
      after = WeightLoader.read(graph.session(), names);
    }

    Npz.Writer npz = Npz.writer().float32("features", shape, features);
    npz.int64("labels", new long[] {LABELS.length}, java.util.Arrays.stream(LABELS).asLongStream().toArray());
    npz.float32("targets", new long[] {TARGETS.length, CLASSES}, targets);
    before.forEach((name, value) -> npz.float32(name, value.shape(), value.floats()));
    npz.write(dir.resolve("input.npz"));
    Map<String, Object> caseConfig = new java.util.LinkedHashMap<>(Map.of("head", HeadSpec.toJson(head), "classes", CLASSES,
        "learning_rate", LEARNING_RATE, "steps", STEPS, "multi_label", multiLabel));
    if (classWeights != null) {
      caseConfig.put("class_weight", Map.of("0", classWeights[0], "1", classWeights[1], "2", classWeights[2]));
    }
    if (callbacks.schedule() instanceof LearningRateSchedule.Cosine cosine) {
      caseConfig.put("cosine_alpha", cosine.alpha());
    }
    Files.writeString(dir.resolve("config.json"), new ObjectMapper().writeValueAsString(caseConfig), StandardCharsets.UTF_8);
    Python.Run run = Python.script("keras_head_step.py", List.of("--case", dir.toString()));
    assertEquals(0, run.exitCode(), "keras_head_step.py failed:\n" + run.output());
    Map<String, Npy.Array> keras = Npz.readFloat32(dir.resolve("keras.npz"));

    float[] kerasLosses = keras.get("losses").values();
    for (int step = 0; step < STEPS; step++) {
      assertEquals(kerasLosses[step], javaLosses[step], 2e-5 * Math.max(1, kerasLosses[step]), "loss of step " + step);
    }
    float kerasEval = keras.get("eval_loss").values()[0];
    assertEquals(kerasEval, javaEvalLoss, 2e-5 * Math.max(1, kerasEval), "inference-mode loss after the steps");
    if (multiLabel) {
      float[] p = keras.get("probabilities").values();
      long[][] expected = new long[3][CLASSES];
      for (int i = 0; i < TARGETS.length; i++) {
        for (int j = 0; j < CLASSES; j++) {
          boolean predicted = p[i * CLASSES + j] > 0.5f;
          boolean actual = TARGETS[i][j] == 1;
          expected[predicted && actual ? 0 : predicted ? 1 : 2][j] += predicted || actual ? 1 : 0;
        }
      }
      assertEquals(java.util.Arrays.deepToString(expected), java.util.Arrays.deepToString(javaCounts),
          "true positives, false positives, false negatives per label at 0.5 (Keras' probabilities " + java.util.Arrays.toString(p) + ")");
    }
    for (String name : names) {
      float[] java = after.get(name).floats();
      float[] expected = keras.get(name).values();
      float[] start = before.get(name).floats();
      assertTrue(maxDifference(start, expected) > 1e-4, name + " did not move in Keras; nothing to compare");
      assertTrue(maxDifference(java, expected) <= 1e-4 * Math.max(1, maxAbs(expected)),
          name + ": Java and Keras differ by " + maxDifference(java, expected) + " after " + STEPS + " steps");
    }
  }

  private static float[] randomFeatures(long size) {
    Random random = new Random(11);
    float[] values = new float[Math.toIntExact(size)];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) (random.nextGaussian() * 2 + 0.5); // non-zero mean: batch norm has work to do
    }
    return values;
  }

  private static double maxDifference(float[] a, float[] b) {
    double worst = 0;
    for (int i = 0; i < a.length; i++) {
      worst = Math.max(worst, Math.abs(a[i] - b[i]));
    }
    return worst;
  }

  private static double maxAbs(float[] a) {
    double worst = 0;
    for (float v : a) {
      worst = Math.max(worst, Math.abs(v));
    }
    return worst;
  }
}
