package org.finetune.data;

import java.io.IOException;
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
 */
public record ImageEntry(String path, int label, String location, ImageContent content) {

  public ImageEntry {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(location, "location");
    Objects.requireNonNull(content, "content");
    if (label < 0) {
      throw new IllegalArgumentException("label must not be negative, found " + label);
    }
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
