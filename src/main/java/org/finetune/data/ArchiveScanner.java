package org.finetune.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarUtils;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.finetune.error.FineTuneException;

/**
 * Reads a data set straight out of a zip, tar or gzip-compressed tar archive. Nothing is written
 * to disk: entry names are only parsed, never used as paths, and unsafe entries (absolute names,
 * {@code ..}, links) are skipped. The images are read into memory, at most half the Java heap,
 * counting {@link #ENTRY_OVERHEAD} bytes besides its name for every image and folder kept, so that
 * millions of tiny entries are refused like a few huge ones, before memory runs out. More than
 * {@link #MAX_ENTRIES} entries of any kind are refused outright.
 */
final class ArchiveScanner {

  /** What keeping one entry costs besides its bytes and name: the objects that describe it. */
  static final long ENTRY_OVERHEAD = 512;

  /** More entries than any image data set needs (ImageNet's training set has 1.3 million). */
  static final long MAX_ENTRIES = 10_000_000;

  private final Path archive;
  private final ScanTally tally;
  private final long byteBudget;
  private final long maxEntries;
  private long bytesHeld;
  private long entriesSeen;

  private ArchiveScanner(Path archive, long byteBudget, long maxEntries) {
    this.archive = archive;
    this.byteBudget = byteBudget;
    this.maxEntries = maxEntries;
    this.tally =
        new ScanTally(segments -> segments.isEmpty() ? archive.toString() : archive + "!/" + EntryNames.join(segments));
  }

  static Dataset scan(Path archive) {
    return scan(archive, Runtime.getRuntime().maxMemory() / 2);
  }

  /** As {@link #scan(Path)}, holding at most {@code byteBudget} bytes of images. */
  static Dataset scan(Path archive, long byteBudget) {
    return scan(archive, byteBudget, MAX_ENTRIES);
  }

  /** As {@link #scan(Path, long)}, refusing an archive of more than {@code maxEntries} entries. */
  static Dataset scan(Path archive, long byteBudget, long maxEntries) {
    ArchiveFormat format = ArchiveFormat.detect(archive);
    ArchiveScanner scanner = new ArchiveScanner(archive, byteBudget, maxEntries);
    try {
      switch (format) {
        case ZIP -> scanner.readZip();
        case TAR -> scanner.readTar(false);
        case TAR_GZIP -> scanner.readTar(true);
      }
    } catch (IOException | IllegalArgumentException e) {
      // commons-compress reports malformed headers with either
      throw new FineTuneException(
          FineTuneException.Kind.BAD_DATA,
          "cannot read archive " + archive + ": it is truncated, corrupt or uses an unsupported feature (" + oneLine(e) + ")",
          e);
    }
    return DatasetLayout.arrange(scanner.tally);
  }

  private void readZip() throws IOException {
    requireZipDirectoryFits();
    try (ZipFile zip = ZipFile.builder().setPath(archive).get()) {
      Enumeration<ZipArchiveEntry> entries = zip.getEntriesInPhysicalOrder();
      while (entries.hasMoreElements()) {
        ZipArchiveEntry entry = entries.nextElement();
        countEntry();
        Optional<List<String>> segments = EntryNames.safeSegments(entry.getName());
        if (entry.isUnixSymlink() || segments.isEmpty()) {
          tally.countUnsafe();
        } else if (entry.isDirectory()) {
          addFolder(segments.get());
        } else if (!segments.get().isEmpty() && tally.wantsFile(segments.get())) {
          try (InputStream in = zip.getInputStream(entry)) {
            addImage(segments.get(), in, entry.getSize());
          }
        }
      }
    }
  }

  private void readTar(boolean gzipped) throws IOException {
    try (InputStream file = new BufferedInputStream(Files.newInputStream(archive));
        InputStream raw = gzipped ? gunzip(file) : file) {
      if (gzipped && !startsWithTar(raw)) {
        throw ArchiveFormat.unsupported(archive, "it is gzip-compressed but holds no tar archive");
      }
      try (TarArchiveInputStream tar = new TarArchiveInputStream(raw)) {
        readTarEntries(tar);
      }
    }
  }

  private void readTarEntries(TarArchiveInputStream tar) throws IOException {
    TarArchiveEntry entry;
    while ((entry = tar.getNextEntry()) != null) {
      countEntry();
      Optional<List<String>> segments = EntryNames.safeSegments(entry.getName());
      if (entry.isSymbolicLink() || entry.isLink() || segments.isEmpty()) {
        tally.countUnsafe();
      } else if (entry.isDirectory()) {
        addFolder(segments.get());
      } else if (!entry.isFile()) {
        tally.countUnsafe(); // devices and pipes: never data
      } else if (!segments.get().isEmpty() && tally.wantsFile(segments.get())) {
        addImage(segments.get(), tar, entry.getSize());
      }
    }
  }

  private static InputStream gunzip(InputStream in) throws IOException {
    InputStream gz = GzipCompressorInputStream.builder().setInputStream(in).setDecompressConcatenated(true).get();
    return new BufferedInputStream(gz, 64 * 1024);
  }

  /** Peeks at the decompressed stream: a tar header carries "ustar" or a valid checksum. */
  private static boolean startsWithTar(InputStream in) throws IOException {
    in.mark(512);
    byte[] header = in.readNBytes(512);
    in.reset();
    return TarArchiveInputStream.matches(header, header.length)
        || (header.length == 512 && TarUtils.verifyCheckSum(header));
  }

  /**
   * A zip reader loads the whole central directory before the first entry, about 600 bytes of
   * memory per entry, and keeps it until it is closed: check what the directory's extent could
   * hold first, against the entry limit and, at {@link #ENTRY_OVERHEAD} per entry, the budget.
   */
  private void requireZipDirectoryFits() throws IOException {
    OptionalLong extent = ZipCentralDirectory.extent(archive);
    if (extent.isEmpty()) {
      return; // no end record where it should be: the zip reader says what is wrong
    }
    long mostEntries = extent.getAsLong() / ZipCentralDirectory.MIN_ENTRY_BYTES;
    if (mostEntries > maxEntries) {
      throw FineTuneException.badData(
          "archive " + archive + " has a central directory of " + extent.getAsLong() + " bytes, room for up to "
              + mostEntries + " entries, more than the " + maxEntries + " an image data set needs; refused before"
              + " reading it (extract it and pass the folder if it is genuine)");
    }
    hold(mostEntries * ENTRY_OVERHEAD); // held by the zip reader until the scan ends
  }

  private void countEntry() {
    if (++entriesSeen > maxEntries) {
      throw FineTuneException.badData(
          "archive " + archive + " has more than " + maxEntries + " entries, more than an image data set needs;"
              + " refused before reading further (extract it and pass the folder if it is genuine)");
    }
  }

  private void addFolder(List<String> segments) {
    if (!EntryNames.isHidden(segments)) {
      hold(bookkeeping(segments));
      tally.addFolder(segments);
    }
  }

  private void addImage(List<String> segments, InputStream in, long declaredSize) throws IOException {
    hold(bookkeeping(segments));
    long room = byteBudget - bytesHeld;
    if (declaredSize > room) {
      throw tooLarge();
    }
    byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, room + 1));
    if (bytes.length > room) {
      throw tooLarge();
    }
    if (declaredSize >= 0 && bytes.length < declaredSize) {
      throw new IOException("entry " + EntryNames.join(segments) + " ends after " + bytes.length + " of " + declaredSize + " bytes");
    }
    bytesHeld += bytes.length;
    tally.addImage(segments, new ImageContent.InMemory(bytes));
  }

  /** What describing an entry costs: its name (twice: path and location) and the objects around it. */
  private static long bookkeeping(List<String> segments) {
    long chars = 0;
    for (String segment : segments) {
      chars += segment.length() + 1;
    }
    return ENTRY_OVERHEAD + 4 * chars;
  }

  private void hold(long bytes) {
    if (bytes > byteBudget - bytesHeld) {
      throw tooLarge();
    }
    bytesHeld += bytes;
  }

  private FineTuneException tooLarge() {
    return FineTuneException.badData(
        "archive " + archive + " holds more image data than the " + (byteBudget >> 20)
            + " MiB (half the Java heap) it may keep in memory; extract it and pass the folder,"
            + " or give Java more memory with -Xmx");
  }

  private static String oneLine(Exception e) {
    String message = e.getMessage();
    String text = message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    return text.lines().findFirst().orElse(text).strip();
  }
}
