package org.finetune.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.finetune.error.FineTuneException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Archives built to exhaust memory or time: huge entries, millions of tiny entries. Each is refused
 * with one line before it can, or streamed past without being held.
 */
class ArchiveLimitsTest {

  private static final byte[] PNG = TestImages.smallPng();
  private static final long MIB = 1 << 20;

  @TempDir Path dir;

  private static FineTuneException refused(Path archive, long budget, long maxEntries) {
    FineTuneException e =
        assertThrows(FineTuneException.class, () -> ArchiveScanner.scan(archive, budget, maxEntries));
    assertEquals(FineTuneException.Kind.BAD_DATA, e.kind());
    return e;
  }

  /** {@code count} entries a/0.png, a/1.png, ... of {@code content}, and b/0.png. */
  private Path manyEntries(String name, int count, byte[] content) throws IOException {
    Path file = dir.resolve(name);
    try (OutputStream out = Files.newOutputStream(file);
        GzipCompressorOutputStream gz = new GzipCompressorOutputStream(out);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
      for (int i = 0; i < count; i++) {
        add(tar, "a/" + i + ".png", content);
      }
      add(tar, "b/0.png", content);
    }
    return file;
  }

  private static void add(TarArchiveOutputStream tar, String name, byte[] content) throws IOException {
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setSize(content.length);
    tar.putArchiveEntry(entry);
    tar.write(content);
    tar.closeArchiveEntry();
  }

  /** A .tgz holding flowers/daisy/1.png, flowers/rose/1.png and one entry of {@code size} zero bytes. */
  private Path withHugeEntry(String entryName, long size) throws IOException {
    Path file = dir.resolve("bomb.tgz");
    try (OutputStream out = Files.newOutputStream(file);
        GzipCompressorOutputStream gz = new GzipCompressorOutputStream(out);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      add(tar, "flowers/daisy/1.png", PNG);
      add(tar, "flowers/rose/1.png", PNG);
      TarArchiveEntry entry = new TarArchiveEntry(entryName);
      entry.setSize(size);
      tar.putArchiveEntry(entry);
      byte[] zeros = new byte[1 << 20];
      for (long written = 0; written < size; written += zeros.length) {
        tar.write(zeros, 0, (int) Math.min(zeros.length, size - written));
      }
      tar.closeArchiveEntry();
    }
    return file;
  }

  @Test
  void tooManyEntriesAreRefusedBeforeTheRestIsRead() throws IOException {
    Path archive = manyEntries("many.tgz", 2000, new byte[0]);
    FineTuneException e = refused(archive, 1L << 40, 1000);
    assertEquals(
        "archive " + archive + " has more than 1000 entries, more than an image data set needs; refused before"
            + " reading further (extract it and pass the folder if it is genuine)",
        e.getMessage());
  }

  @Test
  void millionsOfTinyEntriesCountAgainstTheMemoryBudgetLikeImageData() throws IOException {
    // 20,000 empty images: no image data at all, yet every one kept costs memory to describe
    Path archive = manyEntries("tiny.tgz", 20_000, new byte[0]);
    assertTrue(Files.size(archive) < 200_000, "small on disk: " + Files.size(archive));
    FineTuneException e = refused(archive, 4 * MIB, ArchiveScanner.MAX_ENTRIES);
    assertTrue(e.getMessage().startsWith("archive " + archive + " holds more image data than the 4 MiB"), e.getMessage());
    assertEquals(20_001, ArchiveScanner.scan(archive, 64 * MIB, ArchiveScanner.MAX_ENTRIES).size(), "fine with room");
  }

  /** {@code count} empty entries a/0.png, ... and b/0.png in a zip; with {@code declared}, the end record lies about the count. */
  private Path manyZipEntries(String name, int count, Integer declared) throws IOException {
    Path file = dir.resolve(name);
    try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(file)) {
      for (int i = 0; i <= count; i++) {
        zip.putArchiveEntry(new ZipArchiveEntry(i == count ? "b/0.png" : "a/" + i + ".png"));
        zip.closeArchiveEntry();
      }
    }
    if (declared != null) {
      byte[] bytes = Files.readAllBytes(file);
      int eocd = bytes.length - 22; // no comment: the end record is the last 22 bytes
      ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putShort(eocd + 8, declared.shortValue())
          .putShort(eocd + 10, declared.shortValue());
      Files.write(file, bytes);
    }
    return file;
  }

  @Test
  void aZipWhoseDirectoryCouldHoldTooManyEntriesIsRefusedBeforeItIsLoaded() throws IOException {
    Path archive = manyZipEntries("many.zip", 5000, null);
    FineTuneException e = refused(archive, 1L << 40, 1000);
    assertTrue(e.getMessage().matches("archive " + java.util.regex.Pattern.quote(archive.toString())
        + " has a central directory of \\d+ bytes, room for up to \\d+ entries, more than the 1000 an image data set"
        + " needs; refused before reading it \\(extract it and pass the folder if it is genuine\\)"), e.getMessage());
    // the end record's count is not trusted: the same directory declaring 2 entries is refused alike
    Path lying = manyZipEntries("lying.zip", 5000, 2);
    assertEquals(e.getMessage().replace(archive.toString(), lying.toString()), refused(lying, 1L << 40, 1000).getMessage());
  }

  @Test
  void aZipDirectoryCountsAgainstTheMemoryBudgetBeforeItIsLoaded() throws IOException {
    Path archive = manyZipEntries("tiny.zip", 20_000, null);
    FineTuneException e = refused(archive, 4 * MIB, ArchiveScanner.MAX_ENTRIES);
    assertTrue(e.getMessage().startsWith("archive " + archive + " holds more image data than the 4 MiB"), e.getMessage());
    assertEquals(20_001, ArchiveScanner.scan(archive, 128 * MIB, ArchiveScanner.MAX_ENTRIES).size(), "fine with room");
  }

  @Test
  void aHugeImageEntryIsRefusedByItsDeclaredSizeBeforeItIsInflated() throws IOException {
    Path archive = withHugeEntry("flowers/rose/huge.png", 300 * MIB); // 300 KiB compressed
    assertTrue(Files.size(archive) < 2 * MIB, "a small archive: " + Files.size(archive));
    FineTuneException e = refused(archive, 16 * MIB, ArchiveScanner.MAX_ENTRIES);
    assertTrue(e.getMessage().startsWith("archive " + archive + " holds more image data than the 16 MiB"), e.getMessage());
  }

  @Test
  void aHugeEntryThatIsNoImageIsStreamedPastWithoutBeingHeld() throws IOException {
    Path archive = withHugeEntry("flowers/README.bin", 300 * MIB);
    Dataset data = ArchiveScanner.scan(archive, 16 * MIB, ArchiveScanner.MAX_ENTRIES);
    assertEquals(2, data.size());
    assertEquals(1, data.skipped().notImages());
  }
}
