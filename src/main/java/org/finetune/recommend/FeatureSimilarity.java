package org.finetune.recommend;

import java.util.ArrayList;
import java.util.List;
import org.finetune.data.ImageDecoder;
import org.finetune.data.ImageEntry;
import org.finetune.data.SkipListener;
import org.finetune.model.BaseNetwork;
import org.finetune.model.LayerInfo;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Similarity for bases without BatchNormalization (VGG16): nothing in such a base records what its
 * training data looked like, so this measures the next best thing the new images and their labels
 * allow: whether the base's last features separate the new classes as well as its earlier
 * features do. For each cut candidate and the output, every image's feature map is averaged over
 * its positions, and a nearest-class-mean classifier on those (standardised) features is scored by
 * leave-one-out accuracy: the profile. The divergence {@code D} is the share of the best layer's
 * accuracy above chance (the largest class's share) that the output's features lose:
 * {@code 1 - (output - chance) / (best - chance)}; up to {@link #THRESHOLD} counts as similar, and
 * the best layer is where {@code cut} keeps the base up to.
 *
 * <p>This is weaker than the batch-norm measure: it says whether the top features suit the new
 * classes, not whether the images look like the original ones, and easy classes (ones the first
 * layers already tell apart) look similar to it whatever they are.
 */
final class FeatureSimilarity {

  /**
   * A loss of a tenth of the best layer's above-chance accuracy. Held-out images of a base's own
   * training classes lose 0.04 (README); the leave-one-out accuracy of 200 images varies by about
   * 0.03 between samples.
   */
  static final double THRESHOLD = 0.1;

  private FeatureSimilarity() {}

  static Similarity measure(
      BaseNetwork base, List<ImageEntry> entries, ImageDecoder decoder, int classes, int batchSize,
      SkipListener skips) {
    List<LayerInfo> layers = new ArrayList<>(LayerChoice.cutCandidates(base));
    layers.add(base.layers().get(base.layers().size() - 1)); // the output
    List<List<float[]>> features = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    try (BaseProbe probe = new BaseProbe(base)) {
      List<Operand<TFloat32>> fetches = new ArrayList<>();
      for (LayerInfo layer : layers) {
        fetches.add(pooled(probe.ops(), probe.tensor(layer.outputRef())));
        features.add(new ArrayList<>());
      }
      probe.run(entries, decoder, batchSize, skips, fetches, (batch, values) -> {
        for (int label : batch.labels()) {
          labels.add(label);
        }
        for (int i = 0; i < layers.size(); i++) {
          int channels = values.get(i).length / batch.size();
          for (int b = 0; b < batch.size(); b++) {
            float[] row = new float[channels];
            System.arraycopy(values.get(i), b * channels, row, 0, channels);
            features.get(i).add(row);
          }
        }
      });
    }
    int[] y = labels.stream().mapToInt(Integer::intValue).toArray();
    List<LayerScore> profile = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      profile.add(new LayerScore(layers.get(i).name(), NearestMean.leaveOneOutAccuracy(features.get(i), y, classes)));
    }
    return similarity(profile, chance(y, classes), y.length);
  }

  /** Accuracy of always answering the largest class. */
  private static double chance(int[] labels, int classes) {
    int[] counts = new int[classes];
    for (int label : labels) {
      counts[label]++;
    }
    return (double) java.util.Arrays.stream(counts).max().orElse(0) / Math.max(1, labels.length);
  }

  /** [batch, ..., channels] averaged over every axis but batch and channels. */
  private static Operand<TFloat32> pooled(Ops tf, Output<TFloat32> x) {
    int rank = x.shape().numDimensions();
    if (rank <= 2) {
      return x;
    }
    int[] axes = new int[rank - 2];
    for (int i = 0; i < axes.length; i++) {
      axes[i] = i + 1;
    }
    return tf.math.mean(x, tf.constant(axes));
  }

  /** The divergence from the profile (its last entry is the output); the cut at the best earlier layer. */
  private static Similarity similarity(List<LayerScore> profile, double chance, int images) {
    List<LayerScore> inner = profile.subList(0, profile.size() - 1);
    double output = profile.get(profile.size() - 1).value();
    double best = Math.max(output, inner.stream().mapToDouble(LayerScore::value).max().orElse(output));
    String cut = null;
    double cutValue = Double.NEGATIVE_INFINITY;
    for (LayerScore s : inner) {
      if (s.value() >= cutValue) { // ties go to the later layer: more of the base kept
        cut = s.layer();
        cutValue = s.value();
      }
    }
    double divergence = best <= chance ? 0 : Math.min(1, Math.max(0, 1 - (output - chance) / (best - chance)));
    return new Similarity(Similarity.Measure.FEATURES, divergence, THRESHOLD, profile, cut, images);
  }
}
