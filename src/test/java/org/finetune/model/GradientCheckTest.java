package org.finetune.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.finetune.testing.Fixtures;
import org.finetune.testing.Npy;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Assign;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat64;

/**
 * The gradients that {@code Graph.addGradients} builds through the rebuilt base, which is what
 * fine-tuning trains with, equal central finite differences of the same graph. The graph is the
 * Keras 3 MobileNetV2 fixture (64x64, calibrated BatchNormalization) converted to float64; the loss
 * is sum(output * R) for a fixed random R, smooth in the output, on two reference images. Entries
 * are sampled from weights at the start, the middle and the end of the network: convolution and
 * depthwise kernels, BatchNormalization gamma and beta.
 */
class GradientCheckTest {

  private static final String FIXTURE = "mobilenet_v2-keras3-export";
  private static final List<String> CHECKED =
      List.of(
          "Conv1/kernel", // the first convolution: its gradient crosses the whole network
          "bn_Conv1/gamma",
          "bn_Conv1/beta",
          "expanded_conv_depthwise/kernel",
          "block_8_depthwise/kernel",
          "block_8_project_BN/gamma",
          "block_8_project_BN/beta",
          "Conv_1/kernel", // the last convolution
          "Conv_1_bn/gamma",
          "Conv_1_bn/beta");
  private static final int IMAGES = 2;
  private static final int SAMPLES_PER_VARIABLE = 8;
  private static final double TOLERANCE = 1e-3;
  /**
   * Relative to max(1, |w|). Smaller steps cross fewer ReLU6 kinks, and in float64 the rounding
   * of the loss (about 1e-12 here) over 2e-7 still leaves the differences exact to ~1e-5 absolute.
   */
  private static final double STEP = 1e-7;
  /** One-sided differences further apart than this (relative) mean the step crossed a kink. */
  private static final double KINK = 1e-4;

  static BaseNetwork network;
  static Npy.Array input;

  @BeforeAll
  static void load() throws Exception {
    network = BaseNetwork.load(Fixtures.model(FIXTURE));
    input = Npy.readFloat32(Fixtures.referenceInput(FIXTURE));
  }

  /** The float64 graph is the same network: it computes Keras' reference output. */
  @Test
  void float64GraphComputesKerasOutput() throws Exception {
    Npy.Array expected = Npy.readFloat32(Fixtures.referenceOutput(FIXTURE));
    try (Graph graph = new Graph()) {
      graph.importGraphDef(Float64Graph.convert(network.graphDef()));
      try (Session session = new Session(graph); TFloat64 x = images(input, (int) input.shape()[0])) {
        WeightLoader.assign(session, Float64Graph.weights(network.weights()));
        double[] actual = fetch(session.runner().feed(network.inputOp(), x).fetch(network.outputRef()));
        double diff = 0;
        double scale = 1;
        for (int i = 0; i < actual.length; i++) {
          diff = Math.max(diff, Math.abs(actual[i] - expected.values()[i]));
          scale = Math.max(scale, Math.abs(expected.values()[i]));
        }
        assertTrue(diff <= 1e-4 * scale, "float64 graph differs from Keras by " + diff + " (scale " + scale + ")");
      }
    }
  }

  @Test
  void gradientsMatchCentralFiniteDifferences() {
    try (Graph graph = new Graph()) {
      graph.importGraphDef(Float64Graph.convert(network.graphDef()));
      Ops tf = Ops.create(graph);
      @SuppressWarnings("unchecked")
      Output<TFloat64> output = (Output<TFloat64>) graph.outputOrThrow(network.outputRef());
      Operand<TFloat64> loss =
          tf.reduceSum(tf.math.mul(output, projection(tf, output.shape())), tf.constant(new int[] {0, 1, 2, 3}));
      List<ModelVariable> checked = CHECKED.stream().map(GradientCheckTest::variable).toList();
      Output<?>[] gradients =
          graph.addGradients(
              loss.asOutput(), checked.stream().map(v -> graph.outputOrThrow(v.opName())).toArray(Output<?>[]::new));
      List<Perturbation> perturbations = checked.stream().map(v -> new Perturbation(tf, graph, v)).toList();

      try (Session session = new Session(graph); TFloat64 x = images(input, IMAGES)) {
        WeightLoader.assign(session, Float64Graph.weights(network.weights()));
        LossRunner lossAt = () -> fetch(session.runner().feed(network.inputOp(), x).fetch(loss))[0];
        double atWeights = lossAt.run();
        double worst = 0;
        int retries = 0;
        for (int i = 0; i < checked.size(); i++) {
          double[] analytic = fetch(session.runner().feed(network.inputOp(), x).fetch(gradients[i]));
          Perturbation p = perturbations.get(i);
          Random pick = new Random(i);
          double worstHere = 0;
          int nonZero = 0;
          for (int s = 0; s < SAMPLES_PER_VARIABLE; s++) {
            int entry = pick.nextInt(analytic.length);
            Difference d = centralDifference(session, p, entry, lossAt, atWeights);
            retries += d.retries();
            double rel = relativeError(analytic[entry], d.value());
            worstHere = Math.max(worstHere, rel);
            nonZero += analytic[entry] != 0 ? 1 : 0;
            assertTrue(rel <= TOLERANCE, p.variable.kerasName() + "[" + entry + "]: addGradients " + analytic[entry]
                + ", finite difference " + d.value() + ", relative error " + rel);
          }
          assertTrue(nonZero >= SAMPLES_PER_VARIABLE / 2,
              p.variable.kerasName() + ": only " + nonZero + " sampled gradients are non-zero; the check would be vacuous");
          worst = Math.max(worst, worstHere);
          System.out.printf("gradient check %-32s worst relative error %.2e%n", p.variable.kerasName(), worstHere);
        }
        System.out.printf("gradient check: %d entries of %d variables, worst relative error %.2e, %d kink retries%n",
            checked.size() * SAMPLES_PER_VARIABLE, checked.size(), worst, retries);
      }
    }
  }

  private interface LossRunner {
    double run();
  }

  private record Difference(double value, int retries) {}

  /**
   * (L(w + h) - L(w - h)) / 2h for one entry. If the forward and backward one-sided differences
   * disagree, the step crossed a ReLU6 kink somewhere in the network and the central difference
   * measures the kink, not the gradient: retry with a step ten times smaller (twice at most).
   */
  private static Difference centralDifference(Session session, Perturbation p, int entry, LossRunner lossAt, double atWeights) {
    double h = STEP * Math.max(1, Math.abs(p.values[entry]));
    for (int retries = 0; ; retries++, h /= 10) {
      double plus = p.lossWith(session, entry, h, lossAt);
      double minus = p.lossWith(session, entry, -h, lossAt);
      double forward = (plus - atWeights) / h;
      double backward = (atWeights - minus) / h;
      if (retries == 2 || Math.abs(forward - backward) <= KINK * Math.max(Math.abs(forward), Math.abs(backward))) {
        return new Difference((plus - minus) / (2 * h), retries);
      }
    }
  }

  /** |a - b| / max(|a|, |b|); 0 when both are 0 (a dead unit: no weight of it reaches the loss). */
  private static double relativeError(double a, double b) {
    double scale = Math.max(Math.abs(a), Math.abs(b));
    return scale == 0 ? 0 : Math.abs(a - b) / scale;
  }

  /** Sets one variable to its weights with one entry moved, then restores it. */
  private static final class Perturbation {
    final ModelVariable variable;
    final double[] values;
    final Placeholder<TFloat64> feed;
    final Assign<TFloat64> assign;

    Perturbation(Ops tf, Graph graph, ModelVariable variable) {
      this.variable = variable;
      this.values = Float64Graph.toDoubles(network.weights().get(variable.opName()).floats());
      this.feed = tf.placeholder(TFloat64.class);
      @SuppressWarnings("unchecked")
      Output<TFloat64> ref = (Output<TFloat64>) graph.outputOrThrow(variable.opName());
      this.assign = tf.assign(ref, feed);
    }

    double lossWith(Session session, int entry, double delta, LossRunner lossAt) {
      double original = values[entry];
      values[entry] = original + delta;
      try {
        set(session);
        return lossAt.run();
      } finally {
        values[entry] = original;
        set(session);
      }
    }

    private void set(Session session) {
      try (TFloat64 t = TFloat64.tensorOf(Shape.of(variable.shape()), DataBuffers.of(values, true, false));
          Result ignored = session.runner().feed(feed, t).addTarget(assign).run()) {
        // the assignment is the point
      }
    }
  }

  private static ModelVariable variable(String kerasName) {
    return network.variables().stream().filter(v -> v.kerasName().equals(kerasName)).findFirst()
        .orElseThrow(() -> new IllegalStateException(FIXTURE + " has no variable " + kerasName));
  }

  /** A fixed standard-normal R with the output's shape for {@link #IMAGES} images. */
  private static Operand<TFloat64> projection(Ops tf, Shape outputShape) {
    long[] shape = outputShape.asArray();
    shape[0] = IMAGES;
    double[] r = new double[(int) Shape.of(shape).size()];
    Random random = new Random(42);
    for (int i = 0; i < r.length; i++) {
      r[i] = random.nextGaussian();
    }
    return tf.constant(Shape.of(shape), DataBuffers.of(r, true, false));
  }

  /** The first {@code count} reference images as float64. */
  private static TFloat64 images(Npy.Array images, int count) {
    long[] shape = images.shape().clone();
    int perImage = (int) (images.values().length / shape[0]);
    shape[0] = count;
    double[] values = Float64Graph.toDoubles(java.util.Arrays.copyOf(images.values(), count * perImage));
    return TFloat64.tensorOf(Shape.of(shape), DataBuffers.of(values, true, false));
  }

  private static double[] fetch(Session.Runner runner) {
    try (Result r = runner.run()) {
      TFloat64 t = (TFloat64) r.get(0);
      double[] out = new double[(int) t.size()];
      t.asRawTensor().data().asDoubles().read(out);
      return out;
    }
  }
}
