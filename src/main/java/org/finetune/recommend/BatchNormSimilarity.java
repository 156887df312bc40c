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
 *   <li>per layer, the mean over its channels: the profile;
 *   <li>over the base, the median over its layers: the divergence {@code D} of {@link Similarity},
 *       with the threshold {@code T = }{@link #THRESHOLD}.
 * </ul>
 *
 * <p>T = 0.02 is the divergence of a mean shift of 0.2 standard deviations (KL = d^2 / 2), what
 * Cohen calls a small effect. The median, not the mean, because the top layers of a base trained
 * with augmentation, and any layer measured on few values, show divergences of 0.1 to 0.4 even on
 * held-out images of its own training distribution; the median stays at the level of the bulk of
 * the network (README, "Which strategy: recommend", has the measurements).
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
    Measured measured = moments(base, layers.stream().map(NormLayer::inputRef).toList(), entries, decoder, batchSize, skips);
    return similarity(base, layers, measured.moments(), measured.images());
  }

  /** Per-channel moments of some tensors, and the number of images they are over. */
  record Measured(ChannelMoments[] moments, int images) {}

  /** The per-channel moments of each tensor in {@code refs} (channels last) over {@code entries}. */
  static Measured moments(
      BaseNetwork base, List<String> refs, List<ImageEntry> entries, ImageDecoder decoder, int batchSize,
      SkipListener skips) {
    ChannelMoments[] moments = new ChannelMoments[refs.size()];
    try (BaseProbe probe = new BaseProbe(base)) {
      List<Operand<TFloat32>> fetches = new ArrayList<>();
      long[] valuesPerImage = new long[refs.size()];
      for (int i = 0; i < refs.size(); i++) {
        Output<TFloat32> x = probe.tensor(refs.get(i));
        addReduction(probe.ops(), x, fetches);
        valuesPerImage[i] = valuesPerImage(x);
        moments[i] = ChannelMoments.empty((int) x.shape().get(x.shape().numDimensions() - 1));
      }
      int images = probe.run(entries, decoder, batchSize, skips, fetches, (batch, values) -> {
        for (int i = 0; i < moments.length; i++) {
          moments[i] = moments[i].merge(
              ChannelMoments.ofBatch(valuesPerImage[i] * batch.size(), values.get(2 * i), values.get(2 * i + 1)));
        }
      });
      return new Measured(moments, images);
    }
  }

  /** Per-channel batch mean, and the sum of squared deviations from it, over every axis but the last. */
  private static void addReduction(Ops tf, Output<TFloat32> x, List<Operand<TFloat32>> fetches) {
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

  private static Similarity similarity(
      BaseNetwork base, List<NormLayer> layers, ChannelMoments[] moments, int images) {
    List<LayerScore> profile = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      NormLayer layer = layers.get(i);
      profile.add(new LayerScore(layer.layer().name(), divergence(moments[i], layer.movingMean(), layer.movingVariance())));
    }
    double median = median(profile.stream().mapToDouble(LayerScore::value).toArray());
    return new Similarity(
        Similarity.Measure.BATCH_NORM, median, THRESHOLD, profile, cutLayer(base, layers, profile), images);
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
