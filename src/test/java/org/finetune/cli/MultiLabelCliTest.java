package org.finetune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.finetune.data.LabelCsv;
import org.finetune.testing.ShapeImages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --labels}: a multi-label run end to end on the command line, and the one error line
 * and exit code each bad label file or option gets before training starts, with nothing exported.
 */
class MultiLabelCliTest {

  private static final String MODEL = "models/mobilenetv2-0.35-mnist04";

  @TempDir static Path dir;
  static Path data;
  static Path csv;
  static Path testData;
  static Path testCsv;

  @BeforeAll
  static void write() throws Exception {
    data = dir.resolve("shapes");
    csv = ShapeImages.write(data, 40, 40, 5);
    testData = dir.resolve("test");
    testCsv = ShapeImages.write(testData, 12, 40, 6);
  }

  private static CliRun train(Path out, Path labels, String... more) {
    List<String> args = new ArrayList<>(List.of("train", "--model", MODEL, "--data", data.toString(),
        "--labels", labels.toString(), "--out", out.toString(), "--epochs", "1", "--no-cache"));
    args.addAll(List.of(more));
    return CliRun.of(args.toArray(String[]::new));
  }

  private static void assertFails(CliRun run, Path out, int exit, String line) {
    assertEquals(exit, run.exitCode(), run.err());
    assertEquals("error: " + line, run.errorLines());
    assertFalse(Files.exists(out.resolve("1")), "nothing exported");
  }

  private static Path labels(String name, String text) throws Exception {
    return Files.writeString(dir.resolve(name), text);
  }

  @Test
  void trainsExportsAndReportsF1() throws Exception {
    Path out = dir.resolve("serving-ok");
    CliRun run = train(out, csv, "--threshold", "0.4", "--test-data", testData.toString(), "--test-labels",
        testCsv.toString(), "--batch-size", "16", "--dense", "16", "--pooling", "avg");
    assertEquals(0, run.exitCode(), run.err());
    assertTrue(run.out().contains("Labels: disc, square, triangle"), run.out());
    assertTrue(run.out().matches("(?s).*Test binary accuracy: \\d\\.\\d{4} \\(12 images\\).*"), run.out());
    assertTrue(run.out().matches("(?s).*Test micro F1: \\d\\.\\d{4}, macro F1: \\d\\.\\d{4} \\(threshold 0\\.4\\).*"), run.out());
    assertTrue(run.out().matches("(?s).*\\ntriangle\\s+\\d\\.\\d{4}\\s+\\d\\.\\d{4}\\s+\\d\\.\\d{4}\\s+\\d+\\n.*"), run.out());
    assertTrue(Files.exists(out.resolve("1").resolve("saved_model.pb")));

    CliRun predict = CliRun.of("predict", "--model", out.toString(), testData.resolve("img/0000.png").toString());
    assertEquals(0, predict.exitCode(), predict.err());
    String[] lines = predict.out().split("\n");
    assertEquals(testData.resolve("img/0000.png").toString(), lines[0]);
    assertTrue(lines.length >= 2, predict.out());
    for (int i = 1; i < lines.length; i++) { // each a label above 0.4, or the note that none is
      if (!lines[i].equals("  (no label above the threshold 0.4)")) {
        String[] parts = lines[i].strip().split("\\s+");
        assertTrue(List.of("disc", "square", "triangle").contains(parts[0]), lines[i]);
        assertTrue(Double.parseDouble(parts[1]) >= 0.4, lines[i]); // printed to 4 places: above 0.4 may print 0.4000
      }
    }

    CliRun evaluate = CliRun.of("evaluate", "--model", out.toString(), "--data", testData.toString());
    assertEquals(2, evaluate.exitCode(), evaluate.err());
    assertTrue(evaluate.errorLines().startsWith("error: evaluate does not support multi-label exports yet"), evaluate.err());
  }

  @Test
  void malformedRow() throws Exception {
    Path out = dir.resolve("serving-malformed");
    Path bad = labels("malformed.csv", "path,labels\nimg/0000.png,disc\nimg/0001.png;square\n");
    assertFails(train(out, bad), out, 4,
        bad + ":3: expected 2 fields separated by one comma, " + LabelCsv.FORMAT + ", found 1 (no comma)");
  }

  @Test
  void emptyLabelName() throws Exception {
    Path out = dir.resolve("serving-empty-label");
    Path bad = labels("empty-label.csv", "img/0000.png,disc;\n");
    assertFails(train(out, bad), out, 4, bad + ":1: empty label name in 'disc;'; expected label names separated by ';'");
  }

  @Test
  void imageListedTwice() throws Exception {
    Path out = dir.resolve("serving-twice");
    Path bad = labels("twice.csv", "img/0000.png,disc\nimg/0001.png,square\nimg/0000.png,square\n");
    assertFails(train(out, bad), out, 4,
        bad + ":3: 'img/0000.png' is listed twice (first on line 1); list each image once with all its labels");
  }

  @Test
  void missingImageAndPathOutsideTheDataFolder() throws Exception {
    Path out = dir.resolve("serving-missing");
    Path bad = labels("missing.csv", "img/0000.png,disc\nimg/9999.png,square\n");
    assertFails(train(out, bad), out, 4, bad + ":2: 'img/9999.png' does not exist in " + data);
    Path outside = labels("outside.csv", "img/0000.png,disc\n../test/img/0000.png,square\n");
    assertFails(train(out, outside), out, 4, outside + ":2: path '../test/img/0000.png' leaves the data folder " + data
        + "; paths must be relative to it and stay inside it");
  }

  @Test
  void labelWhoseImagesAreAllUnreadable() throws Exception {
    Files.write(data.resolve("img/broken-a.png"), new byte[0]);
    Files.writeString(data.resolve("img/broken-b.png"), "not an image");
    Path bad = labels("ghost.csv", "img/0000.png,disc\nimg/0001.png,square\nimg/broken-a.png,ghost;disc\n"
        + "img/broken-b.png,ghost\nimg/0002.png,triangle\n");
    Path out = dir.resolve("serving-ghost");
    CliRun run = CliRun.of("train", "--model", MODEL, "--data", data.toString(), "--labels", bad.toString(),
        "--out", out.toString(), "--epochs", "1", "--val-split", "0", "--cache-dir", dir.resolve("cache").toString());
    assertFails(run, out, 4, "label 'ghost' has no readable training images: all 2 were unreadable and skipped, the first "
        + data.resolve("img/broken-a.png") + " (not a JPEG, PNG, GIF or BMP image (0 bytes)); fix or remove the broken files, or the label from the label file");
  }

  @Test
  void classWeightsAreRefused() throws Exception {
    Path out = dir.resolve("serving-weights");
    assertFails(train(out, csv, "--class-weight", "auto"), out, 2,
        "--class-weight weighs the classes of single-label data; it cannot be used with --labels (multi-label)");
  }

  @Test
  void labelWithNoTrainingImages() throws Exception {
    // 'rare' only on the image whose path hashes lowest; a split just above it holds that image out
    List<String> paths = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      paths.add(String.format("img/%04d.png", i));
    }
    paths.sort(Comparator.comparingDouble(MultiLabelCliTest::hashFraction));
    double split = (hashFraction(paths.get(0)) + hashFraction(paths.get(1))) / 2;
    StringBuilder text = new StringBuilder();
    for (String p : paths) {
      text.append(p).append(',').append(p.equals(paths.get(0)) ? "rare;disc" : "disc").append('\n');
    }
    Path bad = labels("rare.csv", text.toString());
    Path out = dir.resolve("serving-rare");
    assertFails(train(out, bad, "--val-split", Double.toString(split)), out, 4,
        "label 'rare' (1 image) in " + bad + " has no training images: all fall in the validation split (--val-split "
            + split + ", chosen by a hash of each path); add images or lower --val-split");
  }

  @Test
  void thresholdOutsideZeroOneAndWithoutLabels() {
    Path out = dir.resolve("serving-threshold");
    assertFails(train(out, csv, "--threshold", "1"), out, 2, "--threshold must be between 0 and 1 (exclusive), got 1.0");
    assertFails(train(out, csv, "--threshold", "0"), out, 2, "--threshold must be between 0 and 1 (exclusive), got 0.0");
    CliRun run = CliRun.of("train", "--model", MODEL, "--data", data.toString(), "--out", out.toString(), "--threshold", "0.3");
    assertFails(run, out, 2, "--threshold applies to multi-label training only; give the labels with --labels FILE.csv");
  }

  /** As org.finetune.data.Split hashes a path: the first 8 bytes of its SHA-256 as a fraction of 2^64. */
  private static double hashFraction(String path) {
    try {
      byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(path.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      long high = 0;
      for (int i = 0; i < 8; i++) {
        high = (high << 8) | (d[i] & 0xFF);
      }
      return Math.min(((double) (high >>> 1) * 2.0 + (high & 1)) / 0x1p64, Math.nextDown(1.0));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
