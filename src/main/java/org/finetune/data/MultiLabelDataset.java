package org.finetune.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.finetune.error.FineTuneException;

/**
 * A multi-label data set read by {@link LabelCsv}: each image has any number of labels (possibly
 * none).
 *
 * @param source the label file, for messages
 * @param labelNames the label names in Python's sorted order; the model's outputs, in this order
 * @param entries every image, in the order of the file; {@link ImageEntry#labelSet()} holds its labels
 */
public record MultiLabelDataset(String source, List<String> labelNames, List<ImageEntry> entries) {

  public MultiLabelDataset {
    Objects.requireNonNull(source, "source");
    labelNames = List.copyOf(labelNames);
    entries = List.copyOf(entries);
    for (ImageEntry e : entries) {
      if (!e.isMultiLabel() || (!e.labelSet().isEmpty() && e.labelSet().get(e.labelSet().size() - 1) >= labelNames.size())) {
        throw new IllegalArgumentException(e.location() + " has labels " + e.labelSet() + " of " + labelNames.size());
      }
    }
  }

  /**
   * Splits by a hash of each image's path, as {@link Dataset#split} does. Every label must keep a
   * training image: a label whose images all fall on the validation side could never be learnt.
   */
  public Split split(double validationFraction) {
    Split split = Split.byPathHash(entries, validationFraction);
    if (!split.train().isEmpty()) {
      int[] training = imagesPerLabel(split.train());
      int[] all = imagesPerLabel(entries);
      List<String> missing = new ArrayList<>();
      for (int label = 0; label < training.length; label++) {
        if (training[label] == 0) {
          missing.add("'" + labelNames.get(label) + "' (" + all[label] + (all[label] == 1 ? " image" : " images") + ")");
        }
      }
      if (!missing.isEmpty()) {
        throw FineTuneException.badData(
            (missing.size() == 1 ? "label " : "labels ") + String.join(", ", missing) + " in " + source
                + (missing.size() == 1 ? " has" : " have") + " no training images: all fall in the validation split"
                + " (--val-split " + validationFraction + ", chosen by a hash of each path); add images or lower --val-split");
      }
    }
    return split;
  }

  /** Images per label, indexed by label. */
  public int[] imagesPerLabel() {
    return imagesPerLabel(entries);
  }

  private int[] imagesPerLabel(List<ImageEntry> images) {
    int[] counts = new int[labelNames.size()];
    for (ImageEntry e : images) {
      e.labelSet().forEach(l -> counts[l]++);
    }
    return counts;
  }

  public int size() {
    return entries.size();
  }
}
