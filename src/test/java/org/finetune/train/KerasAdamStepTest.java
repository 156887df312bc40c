package org.finetune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.finetune.head.Head;
import org.finetune.head.HeadConfig;
import org.finetune.head.Pooling;
import org.finetune.model.BaseNetwork;
import org.finetune.model.ModelVariable;
import org.finetune.model.StoredTensor;
import org.finetune.model.WeightLoader;
import org.finetune.testing.Fixtures;
import org.finetune.testing.Npy;
import org.finetune.testing.Npz;
import org.finetune.testing.Python;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * One fine-tuning step in Java equals one in Keras 3 ({@code scripts/keras_adam_step.py}): the
 * same base weights and head weights, the same batch, the same unfrozen layers (as the Java
 * {@link StrategyPlan} chooses them), Adam with the same learning rate. Compared: the set of
 * trained weights, the loss, the gradients, and the weights after the step.
 *
 * <p>Relative differences are per tensor, max |java - keras| / max |keras|. The gradients are the
 * sharp check: Adam's first step is nearly lr * sign(g) and hides any error in |g|. Measured on
 * these cases: gradients and loss bit-identical (both sides run TensorFlow 2.18's kernels in graph
 * mode), updated weights within 7e-6, updates within 1.2e-4 (float32 rounding of the weights).
 * Keras' gradients must come from graph mode: eagerly, a ReLU6 input within rounding of its kink
 * lands on the other side, and every gradient below that layer then differs by up to 4e-2.
 */
class KerasAdamStepTest {

  private static final double LEARNING_RATE = 1e-3;
  private static final int CLASSES = 3;
  private static final int HIDDEN_UNITS = 16;
  private static final long[] LABELS = {0, 1, 2, 1};
  private static final double WEIGHT_TOLERANCE = 1e-4;
  private static final double GRADIENT_TOLERANCE = 1e-4;
  /**
   * On the update w_after - w_before itself. Its float32 rounding is that of w (an ulp of a gamma
   * near 1 is 1.2e-7, 1.2e-4 of a 1e-3 step), hence looser than the weights' bound; it still
   * catches a wrong learning rate, epsilon or bias correction, which the weights' bound (relative
   * to |w|, not to the step) would let through when lr is small.
   */
  private static final double UPDATE_TOLERANCE = 1e-3;
  private static final Map<String, String> HEAD_KEYS =
      Map.of(
          Head.DENSE_KERNEL, "head/dense/kernel",
          Head.DENSE_BIAS, "head/dense/bias",
          Head.LOGITS_KERNEL, "head/logits/kernel",
          Head.LOGITS_BIAS, "head/logits/bias");

  /** A base, what phase 2 unfreezes, and the head's pooling. */
  record Case(String fixture, String arch, StrategyConfig strategy, Pooling pooling) {
    @Override
    public String toString() {
      return fixture + " " + strategy.strategy().cliName() + (strategy.layer() != null ? " --from " + strategy.layer() : "")
          + (strategy.trainBatchNorm() ? " --train-batchnorm" : "") + ", " + pooling.cliName();
    }

    HeadConfig head() {
      return new HeadConfig(pooling, HIDDEN_UNITS, 0); // no dropout: both sides deterministic
    }
  }

  static Stream<Case> cases() {
    return Stream.of(
        new Case("mobilenet_v2-keras3-export", "mobilenet_v2",
            StrategyConfig.unfreezeFrom("block_15_expand").withFineTune(1, LEARNING_RATE, false), Pooling.AVG),
        // Every trainable weight, BatchNormalization gamma and beta too: gradients through the whole network.
        new Case("mobilenet_v2-keras3-export", "mobilenet_v2",
            StrategyConfig.full().withFineTune(1, LEARNING_RATE, true), Pooling.MAX),
        new Case("vgg16-keras3-export", "vgg16",
            StrategyConfig.unfreezeFrom("block5_conv1").withFineTune(1, LEARNING_RATE, false), Pooling.FLATTEN));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void oneAdamStepMatchesKeras(Case c, @TempDir Path dir) throws Exception {
    StrategyPlan plan = StrategyPlan.of(c.strategy(), BaseNetwork.load(Fixtures.model(c.fixture())));
    Map<String, String> keys = npzKeys(plan.base());
    Npy.Array images = Npy.readFloat32(Fixtures.referenceInput(c.fixture()));
    TrainingConfig config = TrainingConfig.builder().learningRate(LEARNING_RATE).seed(7).build();

    Map<String, StoredTensor> gradients;
    Map<String, StoredTensor> before;
    Map<String, StoredTensor> after;
    float javaLoss;
    try (TrainingGraph graph =
            new TrainingGraph(plan.base(), c.head(), CLASSES, config, plan.fineTuneVariables(),
                plan.config().fineTuneLearningRate(config.learningRate()));
        TFloat32 x = TFloat32.tensorOf(Shape.of(images.shape()), DataBuffers.of(images.values(), true, false));
        TInt32 y = TInt32.vectorOf(Arrays.stream(LABELS).mapToInt(l -> (int) l).toArray())) {
      writeCase(dir, c, plan, images, WeightLoader.read(graph.session(), graph.headVariables()), keys);
      before = WeightLoader.read(graph.session(), graph.fineTuneVariables());
      gradients = graph.gradients(x, y, true);
      javaLoss = graph.train(x, y, true).meanLoss();
      after = WeightLoader.read(graph.session(), graph.fineTuneVariables());
    }

    Python.Run run = Python.script("keras_adam_step.py", List.of("--case", dir.toString()));
    assertEquals(0, run.exitCode(), "keras_adam_step.py failed:\n" + run.output());
    Map<String, Npy.Array> keras = Npz.readFloat32(dir.resolve("keras.npz"));

    TreeSet<String> javaTrained = before.keySet().stream().map(keys::get).collect(Collectors.toCollection(TreeSet::new));
    TreeSet<String> kerasTrained = keras.keySet().stream().filter(k -> k.startsWith("gradient/"))
        .map(k -> k.substring("gradient/".length())).collect(Collectors.toCollection(TreeSet::new));
    assertEquals(before.size(), javaTrained.size(), "one Keras name per trained variable");
    assertEquals(javaTrained, kerasTrained, "Keras trains exactly the weights Java trains");
    float kerasLoss = keras.get("loss").values()[0];
    assertEquals(kerasLoss, javaLoss, 1e-5 * Math.max(1, Math.abs(kerasLoss)), "loss at the starting weights");

    Worst gradient = new Worst();
    Worst weight = new Worst();
    Worst update = new Worst();
    for (String op : before.keySet()) {
      String key = keys.get(op);
      float[] start = before.get(op).floats();
      float[] kerasAfter = keras.get("updated/" + key).values();
      assertTrue(maxAbs(keras.get("gradient/" + key).values()) > 0, key + ": Keras' gradient is zero, nothing to compare");
      gradient.add(key, relativeDifference(gradients.get(op).floats(), keras.get("gradient/" + key).values()));
      weight.add(key, relativeDifference(after.get(op).floats(), kerasAfter));
      update.add(key, relativeDifference(minus(after.get(op).floats(), start), minus(kerasAfter, start)));
    }
    System.out.printf("keras adam step %s: %d weights trained, loss java %.7f keras %.7f;"
            + " worst relative difference: gradients %s, updated weights %s, updates %s%n",
        c, before.size(), javaLoss, kerasLoss, gradient, weight, update);
    assertTrue(gradient.value <= GRADIENT_TOLERANCE, "gradients differ from Keras': " + gradient);
    assertTrue(weight.value <= WEIGHT_TOLERANCE, "updated weights differ from Keras': " + weight);
    assertTrue(update.value <= UPDATE_TOLERANCE, "Adam's updates differ from Keras': " + update);
  }

  /** The largest relative difference seen, and where. */
  private static final class Worst {
    double value = -1;
    String where = "";

    void add(String key, double difference) {
      if (difference > value) {
        value = difference;
        where = key;
      }
    }

    @Override
    public String toString() {
      return value == 0 ? "0 (bit-identical)" : String.format("%.2e (%s)", value, where);
    }
  }

  /** max |a - b| / max |b|: relative to the tensor's scale, so entries near zero do not blow it up. */
  static double relativeDifference(float[] a, float[] b) {
    assertEquals(b.length, a.length, "sizes");
    double diff = 0;
    double scale = 0;
    for (int i = 0; i < a.length; i++) {
      diff = Math.max(diff, Math.abs((double) a[i] - b[i]));
      scale = Math.max(scale, Math.abs((double) b[i]));
    }
    return scale == 0 ? diff : diff / scale;
  }

  private static double maxAbs(float[] values) {
    double max = 0;
    for (float v : values) {
      max = Math.max(max, Math.abs(v));
    }
    return max;
  }

  private static float[] minus(float[] a, float[] b) {
    float[] out = new float[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = a[i] - b[i];
    }
    return out;
  }

  /** Variable op name -> the name keras_adam_step.py uses: base/&lt;Keras name&gt; or head/... */
  private static Map<String, String> npzKeys(BaseNetwork base) {
    Map<String, String> keys = new HashMap<>(HEAD_KEYS);
    for (ModelVariable v : base.variables()) {
      keys.put(v.opName(), "base/" + v.kerasName());
    }
    return keys;
  }

  /** input.npz (batch, every base weight, the head's initial weights) and config.json. */
  private static void writeCase(
      Path dir, Case c, StrategyPlan plan, Npy.Array images, Map<String, StoredTensor> head, Map<String, String> keys)
      throws IOException {
    Npz.Writer npz = Npz.writer().float32("images", images.shape(), images.values());
    npz.int64("labels", new long[] {LABELS.length}, LABELS);
    Map<String, StoredTensor> weights = new LinkedHashMap<>(plan.base().weights());
    weights.putAll(head);
    weights.forEach((op, value) -> npz.float32(keys.get(op), value.shape(), value.floats()));
    npz.write(dir.resolve("input.npz"));

    String layers = plan.fineTuneLayers().stream().map(l -> "\"" + l + "\"").collect(Collectors.joining(", "));
    String json =
        "{\"arch\": \"" + c.arch() + "\", \"input_size\": " + images.shape()[1] + ",\n"
            + " \"head\": {\"pooling\": \"" + c.pooling().cliName() + "\", \"dense_units\": " + HIDDEN_UNITS
            + ", \"classes\": " + CLASSES + "},\n"
            + " \"learning_rate\": " + plan.config().fineTuneLearningRate(LEARNING_RATE) + ",\n"
            + " \"trainable_layers\": [" + layers + "]}\n";
    Files.writeString(dir.resolve("config.json"), json, StandardCharsets.UTF_8);
  }
}
