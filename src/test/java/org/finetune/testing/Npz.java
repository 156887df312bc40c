package org.finetune.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * numpy .npz archives: a zip of .npy files, one per key ({@code key.npy}). Keys may hold '/', as
 * Keras weight names do; {@code np.load} gives them back unchanged.
 */
public final class Npz {

  private Npz() {}

  /** Collects entries in order and writes them as one archive. */
  public static final class Writer {
    private final Map<String, byte[]> entries = new LinkedHashMap<>();

    public Writer float32(String key, long[] shape, float[] values) {
      return put(key, Npy.float32(shape, values));
    }

    public Writer int64(String key, long[] shape, long[] values) {
      return put(key, Npy.int64(shape, values));
    }

    private Writer put(String key, byte[] npy) {
      if (entries.put(key, npy) != null) {
        throw new IllegalArgumentException("duplicate .npz key " + key);
      }
      return this;
    }

    public void write(Path file) throws IOException {
      try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
        zip.setLevel(0); // weights barely compress; numpy's savez does not compress either
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
          zip.putNextEntry(new ZipEntry(e.getKey() + ".npy"));
          zip.write(e.getValue());
          zip.closeEntry();
        }
      }
    }
  }

  public static Writer writer() {
    return new Writer();
  }

  /** Every entry of an archive of float32 arrays, by key. */
  public static Map<String, Npy.Array> readFloat32(Path file) throws IOException {
    Map<String, Npy.Array> arrays = new LinkedHashMap<>();
    // ZipFile reads the central directory, so numpy's forced ZIP64 local headers are no problem.
    try (ZipFile zip = new ZipFile(file.toFile())) {
      Enumeration<? extends ZipEntry> entries = zip.entries();
      while (entries.hasMoreElements()) {
        ZipEntry entry = entries.nextElement();
        if (!entry.getName().endsWith(".npy")) {
          throw new IOException(file + ": unexpected entry " + entry.getName());
        }
        String key = entry.getName().substring(0, entry.getName().length() - 4);
        try (InputStream in = zip.getInputStream(entry)) {
          arrays.put(key, Npy.readFloat32(in.readAllBytes(), file + ":" + entry.getName()));
        }
      }
    }
    return arrays;
  }
}
