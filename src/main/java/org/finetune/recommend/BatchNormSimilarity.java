package org.finetune.recommend;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.finetune.data.ImageDecoder;
import org.finetune.data.ImageEntry;
import org.finetune.data.SkipListener;
import org.finetune.model.BaseNetwork;
import org.finetune.model.LayerInfo;
import org.finetune.model.ModelVariable;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.StridedSlice;
import org.tensorflow.op.math.Mean;
import org.tensorflow.types.TFloat32;

/**
 * Similarity from BatchNormalization statistics. Each BatchNormalization layer stores the
 * per-channel mean and variance its input had on the training data (moving_mean,
 * moving_variance): a summary of the original data, at every depth. The new images' own
 * per-channel mean and variance at the same inputs are compared with them:
 *
 * <ul>
 *   <li>per channel, the Kullback-Leibler divergence KL(new || stored) between the two Gaussians,
 *       variances floored at {@link #VARIANCE_FLOOR} (Keras' default BatchNormalization epsilon:
 *       below it the layer treats a channel as constant);
 *   <li>per layer, the mean over its channels, less what sampling alone contributes (estimated
 *       from two halves of the images, {@link #samplingNoise}): the profile;
 *   <li>over the base, the median over its layers: the divergence {@code D} of {@link Similarity},
 *       with the threshold {@code T = }{@link #THRESHOLD}.
 * </ul>
 *
 * <p>T = 0.02 is the divergence of a mean shift of 0.2 standard deviations (KL = d^2 / 2), what
 * Cohen calls a small effect. The median, not the mean, because the top layers of a base trained
 * with augmentation show divergences of 0.1 to 0.4 even on held-out images of its own training
 * distribution; the median stays at the level of the bulk of the network. Without the sampling
 * correction 20 images of the base's own data measure 0.017, close to T; with it, 0 (README,
 * "Which strategy: recommend", has the measurements).
 */
final class BatchNormSimilarity {

  /** Variances below this count as this: Keras' default BatchNormalization epsilon. */
  static final double VARIANCE_FLOOR = 1e-3;
  /** Per-layer divergence above which a layer's input no longer looks like the training data's. */
  static final double THRESHOLD = 0.02;

  private BatchNormSimilarity() {}

  /** A BatchNormalization layer with its stored statistics and the tensor it normalises. */
  record NormLayer(LayerInfo layer, String inputRef, float[] movingMean, float[] movingVariance) {}

  /** The base's BatchNormalization layers whose statistics can be compared, in Keras order. */
  static List<NormLayer> normLayers(BaseNetwork base) {
    List<NormLayer> found = new ArrayList<>();
    for (LayerInfo layer : base.layers()) {
      if (layer.type().equals("BatchNormalization")) {
        normLayer(base, layer).ifPresent(found::add);
      }
    }
    return found;
  }

  private static Optional<NormLayer> normLayer(BaseNetwork base, LayerInfo layer) {
    float[] mean = stored(base, layer, "moving_mean");
    float[] variance = stored(base, layer, "moving_variance");
    if (mean == null || variance == null || mean.length != variance.length) {
      return Optional.empty();
    }
    // The normalised tensor: the layer's one input, or the one whose channels match the statistics.
    List<String> refs = layer.inputRefs();
    Optional<String> input = refs.size() == 1
        ? Optional.of(refs.get(0))
        : refs.stream().filter(ref -> channels(base, ref) == mean.length).findFirst();
    return input.map(ref -> new NormLayer(layer, ref, mean, variance));
  }

  private static float[] stored(BaseNetwork base, LayerInfo layer, String name) {
    for (ModelVariable v : base.variables()) {
      if (v.layer().equals(layer.name()) && !v.trainable() && v.kerasName().endsWith("/" + name)) {
        return base.weights().get(v.opName()).floats();
      }
    }
    return null;
  }

  private static long channels(BaseNetwork base, String ref) {
    return base.layers().stream()
        .filter(l -> l.outputRef().equals(ref))
        .map(LayerInfo::outputShape)
        .findFirst()
        .map(s -> s[s.length - 1])
        .orElse(-1L);
  }

  /** Measures {@code entries} against the statistics of {@code layers} (from {@link #normLayers}). */
  static Similarity measure(
      BaseNetwork base, List<NormLayer> layers, List<ImageEntry> entries, ImageDecoder decoder, int batchSize,
      SkipListener skips) {
    List<String> inputs = layers.stream().map(NormLayer::inputRef).toList();
    Measured measured = moments(base, inputs, entries, decoder, batchSize, skips);
    return similarity(base, layers, measured);
  }

  /**
   * Per-channel moments of some tensors over the images at even and at odd positions, and the
   * number of images: two independent halves, whose difference shows how much sampling alone
   * moves the statistics.
   */
  record Measured(ChannelMoments[] even, ChannelMoments[] odd, int images) {

    /** Over all the images. */
    ChannelMoments all(int tensor) {
      return even[tensor].merge(odd[tensor]);
    }
  }

  /** The per-channel moments of each tensor in {@code refs} (channels last) over {@code entries}. */
  static Measured moments(
      BaseNetwork base, List<String> refs, List<ImageEntry> entries, ImageDecoder decoder, int batchSize,
      SkipListener skips) {
    ChannelMoments[][] halves = new ChannelMoments[2][refs.size()];
    try (BaseProbe probe = new BaseProbe(base)) {
      Ops tf = probe.ops();
      List<Operand<TFloat32>> fetches = new ArrayList<>();
      long[] valuesPerImage = new long[refs.size()];
      for (int i = 0; i < refs.size(); i++) {
        Output<TFloat32> x = probe.tensor(refs.get(i));
        for (int half = 0; half < 2; half++) {
          addReduction(tf, everyOther(tf, x, half), fetches);
          halves[half][i] = ChannelMoments.empty((int) x.shape().get(x.shape().numDimensions() - 1));
        }
        valuesPerImage[i] = valuesPerImage(x);
      }
      int images = probe.run(entries, decoder, batchSize, skips, fetches, (batch, values) -> {
        long[] sizes = {(batch.size() + 1) / 2, batch.size() / 2};
        for (int i = 0; i < refs.size(); i++) {
          for (int half = 0; half < 2; half++) {
            int at = 4 * i + 2 * half;
            halves[half][i] = halves[half][i].merge(
                ChannelMoments.ofBatch(valuesPerImage[i] * sizes[half], values.get(at), values.get(at + 1)));
          }
        }
      });
      return new Measured(halves[0], halves[1], images);
    }
  }

  /** The images of the batch at positions {@code first}, {@code first + 2}, ... */
  private static Operand<TFloat32> everyOther(Ops tf, Output<TFloat32> x, int first) {
    return tf.stridedSlice(x, tf.constant(new int[] {first}), tf.constant(new int[] {0}), tf.constant(new int[] {2}),
        StridedSlice.endMask(1L));
  }

  /** Per-channel batch mean, and the sum of squared deviations from it, over every axis but the last. */
  private static void addReduction(Ops tf, Operand<TFloat32> x, List<Operand<TFloat32>> fetches) {
    int[] axes = new int[x.shape().numDimensions() - 1];
    Arrays.setAll(axes, i -> i);
    Operand<org.tensorflow.types.TInt32> reduced = tf.constant(axes);
    Operand<TFloat32> mean = tf.math.mean(x, reduced, Mean.keepDims(true));
    fetches.add(tf.reshape(mean, tf.constant(new int[] {-1})));
    fetches.add(tf.sum(tf.math.squaredDifference(x, mean), reduced));
  }

  /** Values one image adds to each channel's count: the product of the spatial dimensions. */
  private static long valuesPerImage(Output<TFloat32> x) {
    long[] shape = x.shape().asArray();
    long n = 1;
    for (int i = 1; i < shape.length - 1; i++) {
      if (shape[i] < 0) {
        throw new IllegalStateException("expected a static shape below the batch, found " + x.shape());
      }
      n *= shape[i];
    }
    return n;
  }

  private static Similarity similarity(BaseNetwork base, List<NormLayer> layers, Measured measured) {
    List<LayerScore> profile = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      NormLayer layer = layers.get(i);
      double raw = divergence(measured.all(i), layer.movingMean(), layer.movingVariance());
      double noise = samplingNoise(measured.even()[i], measured.odd()[i]);
      profile.add(new LayerScore(layer.layer().name(), Math.max(0, raw - noise)));
    }
    double median = median(profile.stream().mapToDouble(LayerScore::value).toArray());
    return new Similarity(
        Similarity.Measure.BATCH_NORM, median, THRESHOLD, profile, cutLayer(base, layers, profile), measured.images());
  }

  /**
   * The divergence that sampling alone gives the statistics of all the images: a quarter of the
   * (symmetrised) divergence between the two halves. Each half's estimate errs twice as much as the
   * whole's (half the images), and their difference holds both errors: four times the whole's.
   */
  static double samplingNoise(ChannelMoments even, ChannelMoments odd) {
    if (even.count() == 0 || odd.count() == 0) {
      return 0;
    }
    double both = divergence(even, floats(odd.mean()), floats(odd.variance()))
        + divergence(odd, floats(even.mean()), floats(even.variance()));
    return both / 2 / 4;
  }

  private static float[] floats(double[] values) {
    float[] out = new float[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (float) values[i];
    }
    return out;
  }

  /** Mean over channels of KL(N(mean, variance) || N(stored mean, stored variance)). */
  static double divergence(ChannelMoments measured, float[] storedMean, float[] storedVariance) {
    double[] mean = measured.mean();
    double[] variance = measured.variance();
    double sum = 0;
    for (int c = 0; c < mean.length; c++) {
      double v1 = Math.max(variance[c], VARIANCE_FLOOR);
      double v0 = Math.max(storedVariance[c], VARIANCE_FLOOR);
      double shift = mean[c] - storedMean[c];
      sum += 0.5 * (v1 / v0 + shift * shift / v0 - 1 + Math.log(v0 / v1));
    }
    return sum / mean.length;
  }

  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  /**
   * The last cut candidate before the first layer whose divergence exceeds the threshold (before the
   * layer that computes that layer's input, which already differs); the first candidate when even
   * the first layer differs, the last one when none does.
   */
  private static String cutLayer(BaseNetwork base, List<NormLayer> layers, List<LayerScore> profile) {
    List<LayerInfo> candidates = LayerChoice.cutCandidates(base);
    if (candidates.isEmpty()) {
      return null;
    }
    int limit = base.layers().size();
    for (int i = 0; i < profile.size(); i++) {
      if (profile.get(i).value() > THRESHOLD) {
        limit = producerPosition(base, layers.get(i));
        break;
      }
    }
    LayerInfo chosen = candidates.get(0);
    for (LayerInfo candidate : candidates) {
      if (base.layers().indexOf(candidate) < limit) {
        chosen = candidate;
      }
    }
    return chosen.name();
  }

  /** Keras-order index of the layer producing a BatchNormalization layer's input (its own index if unknown). */
  private static int producerPosition(BaseNetwork base, NormLayer layer) {
    List<LayerInfo> all = base.layers();
    for (int i = 0; i < all.size(); i++) {
      if (all.get(i).outputRef().equals(layer.inputRef())) {
        return i;
      }
    }
    return all.indexOf(layer.layer());
  }
}
