package org.finetune.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.finetune.error.FineTuneException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The multi-label CSV: what it accepts, and the one line each malformed file gets. */
class LabelCsvTest {

  @TempDir Path dir;
  Path data;
  Path csv;

  @BeforeEach
  void images() throws Exception {
    data = Files.createDirectories(dir.resolve("data"));
    Files.createDirectories(data.resolve("a"));
    for (String name : List.of("a/1.png", "a/2.png", "3.png", "4.png")) {
      Files.write(data.resolve(name), new byte[] {1});
    }
    csv = dir.resolve("labels.csv");
  }

  private MultiLabelDataset read(String text) throws Exception {
    Files.writeString(csv, text);
    return LabelCsv.read(csv, data);
  }

  private String error(String text) throws Exception {
    Files.writeString(csv, text);
    FineTuneException e = assertThrows(FineTuneException.class, () -> LabelCsv.read(csv, data));
    assertEquals(FineTuneException.Kind.BAD_DATA, e.kind());
    return e.getMessage();
  }

  @Test
  void readsRowsWithHeaderSortedLabelsAndImagesWithoutLabels() throws Exception {
    MultiLabelDataset set = read("path,labels\n a/1.png , dog ; cat\n\na/2.png,cat\n3.png,\n./4.png,Zebra\n");
    assertEquals(List.of("Zebra", "cat", "dog"), set.labelNames()); // Python's order: by code point
    assertEquals(4, set.size());
    ImageEntry first = set.entries().get(0);
    assertEquals("a/1.png", first.path());
    assertEquals(List.of(1, 2), first.labelSet());
    assertTrue(first.isMultiLabel());
    assertEquals(data.toAbsolutePath().resolve("a/1.png").toString(), first.location());
    assertEquals(List.of(1), set.entries().get(1).labelSet());
    assertEquals(List.of(), set.entries().get(2).labelSet());
    assertEquals("4.png", set.entries().get(3).path());
    assertEquals(List.of(0), set.entries().get(3).labelSet());
    assertEquals(List.of(1, 2, 1).toString(), java.util.Arrays.toString(set.imagesPerLabel()));
  }

  @Test
  void theHeaderIsOptional() throws Exception {
    assertEquals(List.of("x"), read("3.png,x\n").labelNames());
  }

  @Test
  void wrongFieldCountNamesTheLine() throws Exception {
    assertEquals(csv + ":2: expected 2 fields separated by one comma, " + LabelCsv.FORMAT + ", found 3 (2 commas)",
        error("path,labels\na/1.png,cat,dog\n"));
    assertEquals(csv + ":1: expected 2 fields separated by one comma, " + LabelCsv.FORMAT + ", found 1 (no comma)",
        error("a/1.png cat\n"));
  }

  @Test
  void emptyPathAndEmptyLabelName() throws Exception {
    assertEquals(csv + ":2: the path is empty; expected " + LabelCsv.FORMAT, error("a/1.png,cat\n ,dog\n"));
    assertEquals(csv + ":1: empty label name in 'cat;;dog'; expected label names separated by ';'",
        error("a/1.png,cat;;dog\n"));
    assertEquals(csv + ":1: label 'cat' is given twice for a/1.png", error("a/1.png,cat;cat\n"));
  }

  @Test
  void imageListedTwice() throws Exception {
    assertEquals(csv + ":3: 'a/../a/1.png' is listed twice (first on line 1); list each image once with all its labels",
        error("a/1.png,cat\na/2.png,dog\na/../a/1.png,dog\n"));
  }

  @Test
  void missingFileAndAFolder() throws Exception {
    assertEquals(csv + ":2: 'a/9.png' does not exist in " + data, error("a/1.png,cat\na/9.png,dog\n"));
    assertEquals(csv + ":1: 'a' is not a regular file in " + data, error("a,cat\n"));
  }

  @Test
  void pathsMayNotLeaveTheDataFolder() throws Exception {
    Files.write(dir.resolve("outside.png"), new byte[] {1});
    String expected = csv + ":1: path '../outside.png' leaves the data folder " + data
        + "; paths must be relative to it and stay inside it";
    assertEquals(expected, error("../outside.png,cat\n"));
    String absolute = dir.resolve("outside.png").toAbsolutePath().toString();
    assertEquals(csv + ":1: path '" + absolute + "' leaves the data folder " + data
        + "; paths must be relative to it and stay inside it", error(absolute + ",cat\n"));
  }

  @Test
  void noImagesOrNoLabels() throws Exception {
    assertEquals("label file " + csv + " lists no images; expected rows " + LabelCsv.FORMAT, error("path,labels\n\n"));
    assertEquals("label file " + csv + " gives no image a label; a multi-label model needs at least one label",
        error("a/1.png,\n3.png,\n"));
  }

  @Test
  void missingLabelFileAndDataThatIsNoFolder() throws Exception {
    FineTuneException e = assertThrows(FineTuneException.class, () -> LabelCsv.read(dir.resolve("none.csv"), data));
    assertEquals("label file " + dir.resolve("none.csv") + " does not exist; expected a CSV of rows " + LabelCsv.FORMAT,
        e.getMessage());
    Files.writeString(csv, "3.png,x\n");
    Path archive = Files.write(dir.resolve("data.zip"), new byte[] {1});
    e = assertThrows(FineTuneException.class, () -> LabelCsv.read(csv, archive));
    assertEquals("--labels needs --data to be the folder the CSV's paths are relative to; " + archive
        + " is not a folder (archives are not supported with --labels)", e.getMessage());
  }

  @Test
  void aTestSetsLabelsMustBeTrainingLabels() throws Exception {
    Files.writeString(csv, "3.png,cat\n4.png,cow\n");
    FineTuneException e = assertThrows(FineTuneException.class, () -> LabelCsv.read(csv, data, List.of("cat", "dog")));
    assertEquals(csv + ":2: label 'cow' is not one of the training labels [cat, dog]", e.getMessage());
    Files.writeString(csv, "3.png,dog\n");
    MultiLabelDataset test = LabelCsv.read(csv, data, List.of("cat", "dog"));
    assertEquals(List.of("cat", "dog"), test.labelNames());
    assertEquals(List.of(1), test.entries().get(0).labelSet());
  }

  /** A label listed only on images the validation split takes has nothing to train on. */
  @Test
  void aLabelWhoseImagesAllFallInValidationIsRefused() throws Exception {
    List<String> paths = new java.util.ArrayList<>(List.of("a/1.png", "a/2.png", "3.png", "4.png"));
    paths.sort(java.util.Comparator.comparingDouble(Split::hashFraction));
    double fraction = (Split.hashFraction(paths.get(0)) + Split.hashFraction(paths.get(1))) / 2; // holds out paths[0] only
    MultiLabelDataset set = read(paths.get(0) + ",dog\n" + paths.get(1) + ",cat\n" + paths.get(2) + ",cat\n" + paths.get(3) + ",\n");
    FineTuneException e = assertThrows(FineTuneException.class, () -> set.split(fraction));
    assertEquals("label 'dog' (1 image) in " + csv + " has no training images: all fall in the validation split"
        + " (--val-split " + fraction + ", chosen by a hash of each path); add images or lower --val-split", e.getMessage());
    assertEquals(3, set.split(0).train().size() - 1); // no split: all four train
  }
}
