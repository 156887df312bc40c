package org.finetune.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoryScannerTest {

  @TempDir Path root;

  private void image(String path) {
    TestImages.write(root.resolve(path), TestImages.smallPng());
  }

  private void text(String path) {
    TestImages.write(root.resolve(path), "not an image".getBytes());
  }

  @Test
  void readsOneClassPerFolderWithLabelsInSortedOrder() {
    image("dogs/b.png");
    image("dogs/a.png");
    image("cats/x.png");
    Dataset data = Dataset.open(root);
    assertEquals(List.of("cats", "dogs"), data.classNames());
    assertEquals(List.of("cats/x.png", "dogs/a.png", "dogs/b.png"), data.entries().stream().map(ImageEntry::path).toList());
    assertEquals(List.of(0, 1, 1), data.entries().stream().map(ImageEntry::label).toList());
    assertEquals(root.toString(), data.source());
    assertEquals(root.resolve("cats/x.png").toString(), data.entries().get(0).location());
    assertTrue(data.entries().stream().allMatch(e -> e.content() instanceof ImageContent.OnDisk));
  }

  @Test
  void ordersClassesLikePythonSorted() {
    // Python: uppercase < '_' < lowercase, and by code point beyond U+FFFF too
    for (String name : List.of("apple", "Zebra", "_under", "\uD83D\uDE00", "\uFF21")) {
      image(name + "/1.png");
    }
    assertEquals(
        List.of("Zebra", "_under", "apple", "\uFF21", "\uD83D\uDE00"), Dataset.open(root).classNames());
  }

  @Test
  void picksImagesByExtensionIgnoringCaseAndCountsTheRest() {
    image("cats/A.JPG");
    image("cats/b.Png");
    image("cats/c.jpeg");
    image("cats/d.gif");
    image("dogs/e.BMP");
    text("dogs/notes.txt");
    text("dogs/photo.webp");
    Dataset data = Dataset.open(root);
    assertEquals(5, data.size());
    assertEquals(2, data.skipped().notImages());
  }

  @Test
  void skipsHiddenFilesAndFoldersAndMacMetadata() {
    image("cats/1.png");
    image("cats/._1.png");
    image("cats/.DS_Store");
    image("dogs/1.png");
    image(".thumbnails/2.png");
    image("__MACOSX/cats/1.png");
    Dataset data = Dataset.open(root);
    assertEquals(List.of("cats", "dogs"), data.classNames());
    assertEquals(2, data.size());
    assertEquals(4, data.skipped().hidden(), data.skipped().toString());
  }

  @Test
  void includesNestedFoldersOfAClassAndIgnoresImagesBesideTheClasses() {
    image("cats/kitten/1.png");
    image("cats/2.png");
    image("dogs/1.png");
    image("stray.png");
    Dataset data = Dataset.open(root);
    assertEquals(List.of("cats/2.png", "cats/kitten/1.png", "dogs/1.png"), data.entries().stream().map(ImageEntry::path).toList());
    assertEquals(1, data.skipped().outsideClasses());
  }

  @Test
  void unwrapsASingleFolderAroundTheClasses() {
    image("flowers/daisy/1.png");
    image("flowers/rose/1.png");
    text("README.txt");
    Dataset data = Dataset.open(root);
    assertEquals(List.of("daisy", "rose"), data.classNames());
    assertEquals(root.resolve("flowers").toString(), data.source());
    assertEquals("daisy/1.png", data.entries().get(0).path());
  }

  @Test
  void followsLinkedClassFoldersAndSkipsLinkLoops() throws IOException {
    Path elsewhere = Files.createTempDirectory(root.getParent(), "linked-class");
    try {
      TestImages.write(elsewhere.resolve("1.png"), TestImages.smallPng());
      image("cats/1.png");
      Files.createSymbolicLink(root.resolve("dogs"), elsewhere);
      Files.createSymbolicLink(root.resolve("cats/loop"), root.resolve("cats"));
      Dataset data = Dataset.open(root);
      assertEquals(List.of("cats", "dogs"), data.classNames());
      assertEquals(2, data.size());
      assertEquals(1, data.skipped().unsafe());
      assertInstanceOf(ImageContent.OnDisk.class, data.entries().get(1).content());
    } finally {
      Files.deleteIfExists(elsewhere.resolve("1.png"));
      Files.deleteIfExists(elsewhere);
    }
  }
}
