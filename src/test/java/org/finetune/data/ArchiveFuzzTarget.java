package org.finetune.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.finetune.error.FineTuneException;

/**
 * Fuzz target (Jazzer, {@code scripts/fuzz.sh}): any bytes as a data set archive. Format detection,
 * zip, tar and gzip parsing, entry names, the layout into classes and the split must either work or
 * throw {@link FineTuneException}; anything else escaping is a bug. The memory budget and entry
 * limit are small so that a fuzzed archive cannot make the fuzzer itself run out of memory.
 */
public final class ArchiveFuzzTarget {

  static final long BUDGET = 16L << 20;
  static final long MAX_ENTRIES = 100_000;

  private static final Path FILE = tempFile();

  private ArchiveFuzzTarget() {}

  public static void fuzzerTestOneInput(byte[] data) {
    try {
      Files.write(FILE, data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      Dataset dataset = ArchiveScanner.scan(FILE, BUDGET, MAX_ENTRIES);
      long bytes = 0;
      for (ImageEntry entry : dataset.entries()) {
        bytes += entry.readBytes().length;
      }
      if (bytes > BUDGET) {
        throw new IllegalStateException("held " + bytes + " bytes of images, over the budget of " + BUDGET);
      }
      dataset.split(0.2);
    } catch (FineTuneException expected) {
      // a refusal with a message: what bad input should get
    } catch (IOException e) {
      throw new UncheckedIOException("an in-memory entry cannot fail to read", e);
    }
  }

  private static Path tempFile() {
    try {
      Path file = Files.createTempFile("archive-fuzz-", ".bin");
      file.toFile().deleteOnExit();
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
