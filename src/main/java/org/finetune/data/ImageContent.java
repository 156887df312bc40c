package org.finetune.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/** Where the encoded bytes of one image come from. */
public sealed interface ImageContent {

  /** The encoded file (JPEG, PNG, ...), read now. The caller must not modify the array. */
  byte[] read() throws IOException;

  /** A file in a data set folder, read only when the image is decoded. */
  record OnDisk(Path file) implements ImageContent {
    public OnDisk {
      Objects.requireNonNull(file, "file");
    }

    /** Larger files cannot be held in one Java array. */
    private static final long MAX_BYTES = Integer.MAX_VALUE - 8;

    @Override
    public byte[] read() throws IOException {
      long size = Files.size(file);
      if (size > MAX_BYTES) {
        throw new IOException("the file is " + (size >> 20) + " MiB, too large for an image");
      }
      return Files.readAllBytes(file);
    }
  }

  /**
   * An archive entry. A compressed tar stream cannot be re-read at random, so its images are held
   * in memory from the scan on; the array is shared, never copied, and never modified.
   */
  record InMemory(byte[] bytes) implements ImageContent {
    public InMemory {
      Objects.requireNonNull(bytes, "bytes");
    }

    @Override
    public byte[] read() {
      return bytes;
    }
  }
}
