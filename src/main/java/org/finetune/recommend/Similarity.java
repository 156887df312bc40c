package org.finetune.recommend;

import java.util.List;
import java.util.Locale;

/**
 * How much the new images resemble the data the base was trained on, as measured from the base
 * and the images alone. Each measure yields a divergence {@code D} (0: no difference) and has a
 * threshold {@code T} up to which the data counts as similar; the score {@code 2^(-D / T)} puts
 * every measure on one scale: 1 for no difference, 0.5 at the threshold, towards 0 beyond.
 *
 * @param measure how it was measured
 * @param divergence {@code D}: for batch-norm statistics the median over layers of the per-layer
 *     divergence; for features the share of the best layer's above-chance accuracy that the
 *     output's features lose
 * @param threshold {@code T}
 * @param profile per layer, in Keras order (see {@link LayerScore#value()})
 * @param cutLayer the deepest layer whose features still fit the new images: where {@code cut}
 *     keeps the base up to
 * @param images images measured (unreadable ones left out)
 */
public record Similarity(
    Measure measure, double divergence, double threshold, List<LayerScore> profile, String cutLayer, int images) {

  /** What a score was computed from. */
  public enum Measure {
    /** Inputs of the BatchNormalization layers against their stored moving mean and variance. */
    BATCH_NORM,
    /** How well each layer's features separate the new classes (bases without BatchNormalization). */
    FEATURES
  }

  public Similarity {
    if (measure == null || !(divergence >= 0) || !(threshold > 0) || images < 1) {
      throw new IllegalArgumentException(
          "expected a measure, a divergence >= 0, a threshold > 0 and images, found " + measure + ", " + divergence
              + ", " + threshold + ", " + images);
    }
    profile = List.copyOf(profile);
  }

  /** {@code 2^(-D / T)}, in (0, 1]. */
  public double score() {
    return Math.pow(2, -divergence / threshold);
  }

  /** Whether the divergence is within the threshold, i.e. the score at least 0.5. */
  public boolean similar() {
    return divergence <= threshold;
  }

  /** One line on what was measured and where the images stop resembling the training data. */
  public String describe() {
    return switch (measure) {
      case BATCH_NORM -> String.format(Locale.ROOT,
          "median divergence %.4f over %d BatchNormalization layers on %d images (threshold %.4f); %s",
          divergence, profile.size(), images, threshold,
          profile.stream().filter(s -> s.value() > threshold).findFirst()
              .map(s -> String.format(Locale.ROOT, "first layer past the threshold: %s (%.4f)", s.layer(), s.value()))
              .orElse("no layer past the threshold"));
      case FEATURES -> {
        LayerScore output = profile.get(profile.size() - 1);
        LayerScore best = profile.stream().filter(s -> s.layer().equals(cutLayer)).findFirst().orElse(output);
        yield String.format(Locale.ROOT,
            "no BatchNormalization statistics, so from the features (a weaker measure: see the README):"
                + " the output's features lose %.0f%% of the best layer's above-chance accuracy (threshold %.0f%%):"
                + " %s %.2f, %s %.2f (leave-one-out nearest class mean on %d images)",
            100 * divergence, 100 * threshold, output.layer(), output.value(), best.layer(), best.value(), images);
      }
    };
  }
}
