package org.finetune.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.finetune.error.FineTuneException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArchiveScannerTest {

  @TempDir Path dir;

  private static final byte[] PNG = TestImages.smallPng();

  private static TestArchives flowers() {
    return new TestArchives()
        .dir("flowers")
        .dir("flowers/daisy")
        .file("flowers/daisy/1.png", PNG)
        .file("flowers/daisy/2.JPG", TestImages.jpeg(TestImages.rgb(5, 4)))
        .dir("flowers/rose")
        .file("flowers/rose/1.png", PNG);
  }

  private static List<String> paths(Dataset data) {
    return data.entries().stream().map(ImageEntry::path).toList();
  }

  @Test
  void readsATarGzWithAWrapperFolderIntoMemory() throws IOException {
    Path archive = flowers().writeTarGz(dir.resolve("flowers.tgz"));
    Dataset data = Dataset.open(archive);
    assertEquals(List.of("daisy", "rose"), data.classNames());
    assertEquals(List.of("daisy/1.png", "daisy/2.JPG", "rose/1.png"), paths(data));
    assertEquals(archive + "!/flowers", data.source());
    assertEquals(archive + "!/flowers/daisy/1.png", data.entries().get(0).location());
    assertTrue(data.entries().get(0).content() instanceof ImageContent.InMemory);
    assertArrayEquals(PNG, data.entries().get(0).readBytes());
  }

  @Test
  void readsZipAndPlainTarAlike() {
    Dataset zip = Dataset.open(flowers().writeZip(dir.resolve("flowers.zip")));
    Dataset tar = Dataset.open(flowers().writeTar(dir.resolve("flowers.tar")));
    assertEquals(List.of("daisy/1.png", "daisy/2.JPG", "rose/1.png"), paths(zip));
    assertEquals(paths(zip), paths(tar));
  }

  @Test
  void detectsTheFormatByContentNotExtension() {
    Dataset zipNamedTgz = Dataset.open(flowers().writeZip(dir.resolve("really-a-zip.tgz")));
    Dataset tgzNamedData = Dataset.open(flowers().writeTarGz(dir.resolve("download.bin")));
    assertEquals(3, zipNamedTgz.size());
    assertEquals(3, tgzNamedData.size());
  }

  @Test
  void findsClassFoldersWithoutDirectoryEntries() {
    Path archive = new TestArchives().file("cats/1.png", PNG).file("dogs/1.png", PNG).writeTarGz(dir.resolve("a.tar.gz"));
    Dataset data = Dataset.open(archive);
    assertEquals(List.of("cats", "dogs"), data.classNames());
    assertEquals(archive.toString(), data.source());
  }

  @Test
  void skipsHiddenMacMetadataAndNonImages() {
    Path archive =
        flowers()
            .file("__MACOSX/flowers/daisy/._1.png", new byte[] {1})
            .file("flowers/daisy/.DS_Store", new byte[] {1})
            .file("flowers/rose/._1.png", new byte[] {1})
            .file("flowers/LICENSE.txt", new byte[] {1})
            .file("flowers/rose/notes.md", new byte[] {1})
            .writeZip(dir.resolve("mac.zip"));
    Dataset data = Dataset.open(archive);
    assertEquals(List.of("daisy", "rose"), data.classNames());
    assertEquals(3, data.size());
    assertEquals(3, data.skipped().hidden());
    assertEquals(2, data.skipped().notImages());
  }

  @Test
  void ignoresAndCountsEscapingAbsoluteAndLinkedEntriesInTar() throws IOException {
    Path archive =
        flowers()
            .file("../evil.png", PNG)
            .file("flowers/daisy/../../evil.png", PNG)
            .file("/etc/evil.png", PNG)
            .symlink("flowers/rose/link.png", "/etc/passwd")
            .hardlink("flowers/rose/hard.png", "flowers/rose/1.png")
            .writeTarGz(dir.resolve("hostile.tgz"));
    List<Path> before = listing();
    Dataset data = Dataset.open(archive);
    assertEquals(List.of("daisy/1.png", "daisy/2.JPG", "rose/1.png"), paths(data));
    assertEquals(5, data.skipped().unsafe());
    assertEquals(before, listing(), "reading an archive must never write to disk");
  }

  @Test
  void ignoresAndCountsEscapingAbsoluteAndLinkedEntriesInZip() {
    Path archive =
        flowers()
            .file("../evil.png", PNG)
            .file("/abs/evil.png", PNG)
            .file("C:\\evil.png", PNG)
            .file("flowers\\rose\\..\\..\\..\\evil.png", PNG)
            .symlink("flowers/rose/link.png", "../../../etc/passwd")
            .writeZip(dir.resolve("hostile.zip"));
    Dataset data = Dataset.open(archive);
    assertEquals(List.of("daisy/1.png", "daisy/2.JPG", "rose/1.png"), paths(data));
    assertEquals(5, data.skipped().unsafe());
  }

  @Test
  void splitsAnArchiveLikeTheFolderItWasMadeFrom() {
    TestImages.write(dir.resolve("flowers/daisy/1.png"), PNG);
    TestImages.write(dir.resolve("flowers/daisy/2.JPG"), PNG);
    TestImages.write(dir.resolve("flowers/rose/1.png"), PNG);
    Dataset folder = Dataset.open(dir.resolve("flowers"));
    Dataset archive = Dataset.open(flowers().writeZip(dir.resolve("flowers.zip")));
    assertEquals(paths(folder), paths(archive));
    assertEquals(
        folder.split(0.5).validation().stream().map(ImageEntry::path).toList(),
        archive.split(0.5).validation().stream().map(ImageEntry::path).toList());
  }

  @Test
  void refusesAnArchiveWhoseImagesExceedTheMemoryBudget() {
    Path archive = flowers().writeTarGz(dir.resolve("flowers.tgz"));
    FineTuneException e =
        assertThrows(
            FineTuneException.class, () -> ArchiveScanner.scan(archive, PNG.length + 10));
    assertEquals(FineTuneException.Kind.BAD_DATA, e.kind());
    assertTrue(e.getMessage().startsWith("archive " + archive + " holds more image data than the 0 MiB"), e.getMessage());
  }

  private List<Path> listing() throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.sorted().toList();
    }
  }
}
