package org.finetune.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.finetune.error.FineTuneException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Paths that exist but cannot be read. Tests run as root, for whom permission bits mean nothing, so
 * the unreadable file is a link to /proc/self/mem, whose reading fails with an I/O error for
 * everyone, and the unreadable data set a pipe, which would block a reader forever.
 */
class UnreadablePathsTest {

  @TempDir Path dir;

  static Path unreadableLink(Path link) throws IOException {
    Files.createDirectories(link.getParent());
    return Files.createSymbolicLink(link, Path.of("/proc/self/mem"));
  }

  static Path fifo(Path path) throws IOException, InterruptedException {
    Process mkfifo = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
    assertEquals(0, mkfifo.waitFor(), "mkfifo " + path);
    return path;
  }

  private static FineTuneException badData(Path path) {
    FineTuneException e = assertThrows(FineTuneException.class, () -> Dataset.open(path));
    assertEquals(FineTuneException.Kind.BAD_DATA, e.kind());
    return e;
  }

  @Test
  void anArchiveThatCannotBeReadSaysWhy() throws IOException {
    Path archive = unreadableLink(dir.resolve("photos.tgz"));
    assertEquals("cannot read data set " + archive + ": Input/output error", badData(archive).getMessage());
  }

  @Test
  void aPipeIsRefusedRatherThanReadForever() throws Exception {
    Path pipe = fifo(dir.resolve("photos.tgz"));
    assertEquals(
        "data set " + pipe + " is neither a folder nor a regular file (a pipe or device?); expected "
            + Dataset.EXPECTED_LAYOUT,
        badData(pipe).getMessage());
  }

  @Test
  void anImageThatCannotBeReadIsUnreadableWithTheReason() throws IOException {
    TestImages.write(dir.resolve("a/1.png"), TestImages.smallPng());
    TestImages.write(dir.resolve("b/1.png"), TestImages.smallPng());
    Path broken = unreadableLink(dir.resolve("b/2.png"));
    Dataset data = Dataset.open(dir);
    ImageEntry entry = data.entries().stream().filter(e -> e.path().equals("b/2.png")).findFirst().orElseThrow();
    try (ImageDecoder decoder = new ImageDecoder(new ImageSpec(4, 4, 3), Preprocessing.NONE)) {
      UnreadableImageException e =
          assertThrows(UnreadableImageException.class, () -> decoder.decodeInto(entry, null, 0));
      assertEquals("cannot use image " + broken + ": cannot read it: Input/output error", e.getMessage());
    }
  }

  @Test
  void anImageRemovedAfterTheScanIsUnreadable() throws IOException {
    TestImages.write(dir.resolve("a/1.png"), TestImages.smallPng());
    Path gone = TestImages.write(dir.resolve("b/1.png"), TestImages.smallPng());
    Dataset data = Dataset.open(dir);
    Files.delete(gone);
    try (ImageDecoder decoder = new ImageDecoder(new ImageSpec(4, 4, 3), Preprocessing.NONE)) {
      UnreadableImageException e =
          assertThrows(UnreadableImageException.class, () -> decoder.decodeInto(data.entries().get(1), null, 0));
      assertEquals("cannot use image " + gone + ": cannot read it: the file does not exist (any more)", e.getMessage());
    }
  }

  @Test
  void aPipeNamedLikeAnImageInAClassFolderIsSkippedUnread() throws Exception {
    TestImages.write(dir.resolve("a/1.png"), TestImages.smallPng());
    TestImages.write(dir.resolve("b/1.png"), TestImages.smallPng());
    fifo(dir.resolve("b/2.png"));
    Dataset data = Dataset.open(dir);
    assertEquals(2, data.size());
    assertEquals(1, data.skipped().unsafe());
  }
}
