package org.finetune.data;

import java.io.IOException;
import java.util.List;
import java.util.Objects;

/**
 * One labelled image of a data set.
 *
 * @param path the path below the class folders' parent, '/'-separated, starting with the class
 *     folder ({@code daisy/1.jpg}); the same whether the data set is a folder or an archive of it,
 *     which is why the train/validation split hashes it
 * @param label the index of its class in the sorted class names
 * @param location where it is, for messages: a file path, or {@code archive.tgz!/flowers/daisy/1.jpg}
 * @param content its encoded bytes
 * @param labelSet for a multi-label data set, the indices of its labels in the sorted label names,
 *     ascending and distinct (possibly none); null for a single-label one, whose class is {@code label}
 */
public record ImageEntry(String path, int label, String location, ImageContent content, List<Integer> labelSet) {

  public ImageEntry {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(location, "location");
    Objects.requireNonNull(content, "content");
    if (label < 0) {
      throw new IllegalArgumentException("label must not be negative, found " + label);
    }
    if (labelSet != null) {
      labelSet = List.copyOf(labelSet);
      for (int i = 0; i < labelSet.size(); i++) {
        if (labelSet.get(i) < 0 || (i > 0 && labelSet.get(i) <= labelSet.get(i - 1))) {
          throw new IllegalArgumentException("labelSet must hold ascending distinct indices >= 0, found " + labelSet);
        }
      }
    }
  }

  /** A single-label image: its class is {@code label}. */
  public ImageEntry(String path, int label, String location, ImageContent content) {
    this(path, label, location, content, null);
  }

  /** A multi-label image with the label indices {@code labelSet} (ascending, distinct; may be empty). */
  public static ImageEntry multiLabel(String path, String location, ImageContent content, List<Integer> labelSet) {
    return new ImageEntry(path, 0, location, content, Objects.requireNonNull(labelSet, "labelSet"));
  }

  /** Whether this image belongs to a multi-label data set. */
  public boolean isMultiLabel() {
    return labelSet != null;
  }

  /** The encoded image bytes. */
  public byte[] readBytes() throws IOException {
    return content.read();
  }

  @Override
  public String toString() {
    return location;
  }
}
