package org.finetune.report;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.finetune.data.ImageEntry;
import org.finetune.export.ExportManifest;
import org.finetune.train.History;

/**
 * What evaluating an export on a labelled data set found: the metrics, each image's outcome, and
 * what the export says about its training, for {@link HtmlReport}.
 *
 * @param export the version directory evaluated
 * @param data the data set, as given
 * @param manifest the export's {@code finetune.json}
 * @param history the export's {@code history.json}, or null when it has none
 * @param metrics computed over {@link #images()}, in the same order
 * @param images every image that was read, in the data set's order
 * @param skipped images that could not be read, with why, and were left out
 */
public record ModelEvaluation(
    Path export,
    String data,
    ExportManifest manifest,
    History history,
    ClassificationMetrics metrics,
    List<ImageOutcome> images,
    List<Skipped> skipped) {

  /**
   * One image: its true and predicted class (indices into the export's labels) and the
   * probability the model gave each.
   */
  public record ImageOutcome(ImageEntry entry, int actual, int predicted, float actualProbability, float predictedProbability) {

    public boolean correct() {
      return actual == predicted;
    }
  }

  /** An image left out because it could not be read. */
  public record Skipped(String location, String reason) {}

  public ModelEvaluation {
    Objects.requireNonNull(export, "export");
    Objects.requireNonNull(metrics, "metrics");
    images = List.copyOf(images);
    skipped = List.copyOf(skipped);
    if (images.size() != metrics.images()) {
      throw new IllegalArgumentException(images.size() + " images but metrics over " + metrics.images());
    }
  }

  public List<String> labels() {
    return metrics.labels();
  }

  /**
   * The images of the most frequent confusions, at most {@code pairs} (true, predicted) pairs of
   * {@link ConfusionMatrix#mostConfused}, and at most {@code perPair} images each: those the model
   * was surest of, most confident first.
   */
  public List<ConfusedImages> mostConfused(int pairs, int perPair) {
    return metrics.confusionMatrix().mostConfused(pairs).stream()
        .map(c -> new ConfusedImages(c, images.stream()
            .filter(i -> i.actual() == c.actual() && i.predicted() == c.predicted())
            .sorted(java.util.Comparator.comparingDouble((ImageOutcome i) -> i.predictedProbability()).reversed())
            .limit(perPair)
            .toList()))
        .toList();
  }

  /** A confusion and some of its images. */
  public record ConfusedImages(ConfusionMatrix.Confusion confusion, List<ImageOutcome> images) {}
}
