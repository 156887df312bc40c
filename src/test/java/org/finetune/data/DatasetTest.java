package org.finetune.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.finetune.error.FineTuneException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The errors a user can hit when opening a data set, and test sets. */
class DatasetTest {

  @TempDir Path dir;

  private static final byte[] PNG = TestImages.smallPng();

  private static FineTuneException badData(Path path) {
    FineTuneException e = assertThrows(FineTuneException.class, () -> Dataset.open(path));
    assertEquals(FineTuneException.Kind.BAD_DATA, e.kind());
    assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    return e;
  }

  @Test
  void missingPath() {
    Path missing = dir.resolve("nowhere");
    String message = badData(missing).getMessage();
    assertTrue(message.startsWith("data set " + missing + " does not exist; expected a folder"), message);
  }

  @Test
  void fileThatIsNoArchive() throws IOException {
    Path text = Files.writeString(dir.resolve("data.zip"), "just some text, not a zip at all");
    String message = badData(text).getMessage();
    assertTrue(message.contains("is neither a folder nor a supported archive"), message);
    assertTrue(message.contains("not a zip, tar or gzip-compressed tar"), message);
  }

  @Test
  void emptyFile() throws IOException {
    Path empty = Files.write(dir.resolve("empty.tgz"), new byte[0]);
    assertTrue(badData(empty).getMessage().contains("neither a folder nor a supported archive"));
  }

  @Test
  void gzipWithoutTarInside() throws IOException {
    Path gz = dir.resolve("image.png.gz");
    try (var out = new org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream(Files.newOutputStream(gz))) {
      out.write(PNG);
    }
    assertTrue(badData(gz).getMessage().contains("gzip-compressed but holds no tar archive"));
  }

  @Test
  void truncatedTarGz() throws IOException {
    byte[] big = TestImages.png(TestImages.rgb(300, 300));
    Path full = new TestArchives().file("a/1.png", big).file("b/1.png", big).writeTarGz(dir.resolve("full.tgz"));
    byte[] bytes = Files.readAllBytes(full);
    Path cut = Files.write(dir.resolve("cut.tgz"), Arrays.copyOf(bytes, bytes.length / 2));
    String message = badData(cut).getMessage();
    assertTrue(message.startsWith("cannot read archive " + cut + ": it is truncated, corrupt"), message);
  }

  @Test
  void truncatedTar() throws IOException {
    byte[] big = TestImages.png(TestImages.rgb(300, 300));
    Path full = new TestArchives().file("a/1.png", big).file("b/1.png", big).writeTar(dir.resolve("full.tar"));
    byte[] bytes = Files.readAllBytes(full);
    Path cut = Files.write(dir.resolve("cut.tar"), Arrays.copyOf(bytes, 512 + big.length / 2));
    assertTrue(badData(cut).getMessage().contains("truncated, corrupt"));
  }

  @Test
  void truncatedZip() throws IOException {
    Path full = new TestArchives().file("a/1.png", PNG).file("b/1.png", PNG).writeZip(dir.resolve("full.zip"));
    byte[] bytes = Files.readAllBytes(full);
    Path cut = Files.write(dir.resolve("cut.zip"), Arrays.copyOf(bytes, bytes.length - 30));
    assertTrue(badData(cut).getMessage().contains("truncated, corrupt"));
  }

  @Test
  void noClassFolders() throws IOException {
    TestImages.write(dir.resolve("data/1.png"), PNG);
    String message = badData(dir.resolve("data")).getMessage();
    assertTrue(message.contains("has no class folders; a classifier needs at least two"), message);
  }

  @Test
  void oneClassFolder() {
    TestImages.write(dir.resolve("data/cats/1.png"), PNG);
    String message = badData(dir.resolve("data")).getMessage();
    assertTrue(message.contains("has only one class folder 'cats'; a classifier needs at least two"), message);
  }

  @Test
  void oneClassInsideAWrapperArchive() {
    Path archive = new TestArchives().file("flowers/daisy/1.png", PNG).writeTarGz(dir.resolve("f.tgz"));
    assertTrue(badData(archive).getMessage().contains("only one class folder 'daisy'"));
  }

  @Test
  void emptyClassFolderIsNamed() throws IOException {
    TestImages.write(dir.resolve("data/cats/1.png"), PNG);
    TestImages.write(dir.resolve("data/dogs/readme.txt"), new byte[] {1});
    Files.createDirectories(dir.resolve("data/owls"));
    String message = badData(dir.resolve("data")).getMessage();
    assertTrue(message.startsWith("class folders 'dogs', 'owls' in " + dir.resolve("data") + " hold no images"), message);
  }

  @Test
  void emptyClassFolderInAnArchiveIsNamed() {
    Path archive = new TestArchives().file("cats/1.png", PNG).dir("dogs").writeZip(dir.resolve("d.zip"));
    String message = badData(archive).getMessage();
    assertTrue(message.startsWith("class folder 'dogs' in " + archive + " holds no images"), message);
  }

  @Test
  void countsImagesPerClass() {
    TestImages.write(dir.resolve("d/a/1.png"), PNG);
    TestImages.write(dir.resolve("d/b/1.png"), PNG);
    TestImages.write(dir.resolve("d/b/2.png"), PNG);
    assertArrayEquals(new int[] {1, 2}, Dataset.open(dir.resolve("d")).imagesPerClass());
  }

  @Test
  void testSetWithTheTrainingClassesOpens() {
    TestImages.write(dir.resolve("test/cats/1.png"), PNG);
    TestImages.write(dir.resolve("test/dogs/1.png"), PNG);
    Dataset test = Dataset.openWithClasses(dir.resolve("test"), List.of("cats", "dogs"));
    assertEquals(List.of(0, 1), test.entries().stream().map(ImageEntry::label).toList());
  }

  @Test
  void testSetWithOtherClassesIsRefused() {
    TestImages.write(dir.resolve("test/cats/1.png"), PNG);
    TestImages.write(dir.resolve("test/owls/1.png"), PNG);
    FineTuneException e =
        assertThrows(
            FineTuneException.class,
            () -> Dataset.openWithClasses(dir.resolve("test"), List.of("cats", "dogs")));
    assertEquals(FineTuneException.Kind.BAD_DATA, e.kind());
    assertEquals(
        "data set " + dir.resolve("test") + " has classes [cats, owls] but expected the training classes"
            + " [cats, dogs]; missing: dogs; unexpected: owls",
        e.getMessage());
  }
}
