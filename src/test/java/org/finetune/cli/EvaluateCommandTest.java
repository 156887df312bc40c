package org.finetune.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.finetune.FineTuneRequest;
import org.finetune.FineTuner;
import org.finetune.Predictor;
import org.finetune.data.Dataset;
import org.finetune.data.ImageEntry;
import org.finetune.head.HeadConfig;
import org.finetune.head.Pooling;
import org.finetune.report.Charts;
import org.finetune.report.HtmlReport;
import org.finetune.train.StrategyConfig;
import org.finetune.train.TrainingConfig;
import org.finetune.train.TrainingListener;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code evaluate} end to end on a model trained here in both phases (head, then fine-tuning):
 * its confusion matrix is what {@link Predictor} gives image by image, the report is one page
 * with everything embedded, the PNGs decode at their sizes; and the bad inputs.
 */
class EvaluateCommandTest {

  static final Path MODEL = Path.of("models", "mobilenetv2-0.35-mnist04");
  static final Path TRAIN = Path.of("data", "digits-5-9", "train");
  static final Path TEST = Path.of("data", "digits-5-9", "test");
  static final List<String> DIGITS = List.of("5", "6", "7", "8", "9");
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path shared;
  static Path export;
  /** Correct test images as train --test-data counted them, through the training graph. */
  static long trainTestCorrect;

  @TempDir Path work;

  @BeforeAll
  static void exportOnce() {
    FineTuneRequest request = FineTuneRequest.builder().model(MODEL).data(TRAIN).testData(TEST).output(shared.resolve("serving"))
        .head(new HeadConfig(Pooling.AVG, 8, 0.5)).training(TrainingConfig.builder().epochs(2).batchSize(32).build())
        .strategy(StrategyConfig.unfreezeTop(4).withFineTune(2, null, false))
        .useCache(false).build();
    var result = FineTuner.run(request, TrainingListener.NONE);
    export = result.exportDir();
    trainTestCorrect = result.test().correct();
  }

  private CliRun evaluate(Path data, String... more) {
    List<String> args = new ArrayList<>(List.of("evaluate", "--model", export.toString(), "--data", data.toString()));
    args.addAll(List.of(more));
    return CliRun.of(args.toArray(String[]::new));
  }

  private static JsonNode metrics(Path report) throws IOException {
    return JSON.readTree(report.resolve(HtmlReport.METRICS).toFile());
  }

  private static int[][] counts(JsonNode metrics) {
    JsonNode rows = metrics.get("confusion_matrix").get("counts");
    int[][] counts = new int[rows.size()][];
    for (int i = 0; i < rows.size(); i++) {
      counts[i] = new int[rows.get(i).size()];
      for (int j = 0; j < rows.get(i).size(); j++) {
        counts[i][j] = rows.get(i).get(j).asInt();
      }
    }
    return counts;
  }

  /** The matrix from {@link Predictor#predict}, one image per call. */
  private static int[][] predictImageByImage(Path data) {
    Dataset set = Dataset.open(data);
    try (Predictor predictor = Predictor.load(export)) {
      int n = predictor.labels().size();
      int[][] expected = new int[n][n];
      for (ImageEntry entry : set.entries()) {
        Predictor.Prediction p = predictor.predict(List.of(Path.of(entry.location())), 1).get(0);
        expected[predictor.labels().indexOf(set.classNames().get(entry.label()))][p.top().get(0).classId()]++;
      }
      return expected;
    }
  }

  @Test
  void theConfusionMatrixIsWhatPredictGivesImageByImageAndTheReportHasEverything() throws Exception {
    Path report = work.resolve("report");
    CliRun run = evaluate(TEST, "--report", report.toString(), "--top-k", "2");
    assertEquals(0, run.exitCode(), run.err());

    JsonNode metrics = metrics(report);
    int[][] counts = counts(metrics);
    assertArrayEquals(predictImageByImage(TEST), counts);
    int trace = 0;
    int total = 0;
    for (int i = 0; i < counts.length; i++) {
      trace += counts[i][i];
      total += Stream.of(counts[i]).flatMapToInt(java.util.Arrays::stream).sum();
    }
    assertEquals(500, total);
    assertEquals(trainTestCorrect, trace, "the export is right on the images train --test-data found right");
    assertEquals((double) trace / total, metrics.get("accuracy").asDouble(), 1e-12, "accuracy = trace / sum");
    assertEquals(2, metrics.get("top_k").asInt());
    assertTrue(metrics.get("top_k_accuracy").asDouble() >= metrics.get("accuracy").asDouble());
    assertTrue(run.out().contains(String.format("Accuracy: %.4f (%d of %d)", (double) trace / total, trace, total)), run.out());
    assertTrue(run.out().contains("Top-2 accuracy: "), run.out());
    assertTrue(run.out().contains("Report: " + report.resolve("report.html")), run.out());
    for (String digit : DIGITS) {
      assertTrue(run.out().lines().anyMatch(l -> l.startsWith(digit + " ")), "a row per class: " + run.out());
    }

    String html = Files.readString(report.resolve(HtmlReport.HTML));
    for (String section : List.of("summary", "per-class", "confusion-matrix", "training", "most-confused", "model")) {
      assertTrue(html.contains("<section id=\"" + section + "\">"), section);
    }
    assertTrue(html.contains("2 epochs of head, then 2 epochs of fine-tune"), "both phases from history.json");
    assertFalse(html.contains("<script"), "no script");
    assertFalse(Pattern.compile("(src|href)=\"(?!data:)").matcher(html).find(), "nothing loaded from outside the page");

    // the PNG files, at their sizes, and each embedded in the page
    int heat = Charts.heatMapSize(5);
    assertPng(report, HtmlReport.LOSS_PNG, Charts.CURVE_WIDTH, Charts.CURVE_HEIGHT, html);
    assertPng(report, HtmlReport.ACCURACY_PNG, Charts.CURVE_WIDTH, Charts.CURVE_HEIGHT, html);
    assertPng(report, HtmlReport.CONFUSION_PNG, heat + 110, heat, html);
    assertPng(report, HtmlReport.PER_CLASS_PNG, Charts.barsWidth(5), Charts.BARS_HEIGHT, html);

    // every embedded image decodes; the thumbnails are there, 96 px on their longer side
    Matcher uri = Pattern.compile("src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"").matcher(html);
    int images = 0;
    int thumbnails = 0;
    while (uri.find()) {
      BufferedImage image = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(uri.group(1))));
      assertNotNull(image, "an embedded image decodes");
      images++;
      if (Math.max(image.getWidth(), image.getHeight()) == HtmlReport.THUMBNAIL_SIZE) {
        thumbnails++;
      }
    }
    assertTrue(thumbnails >= 1, "thumbnails of the most confused images");
    assertEquals(4 + thumbnails, images);
    try (Stream<Path> files = Files.list(report)) {
      assertEquals(List.of("accuracy.png", "confusion-matrix.png", "loss.png", "metrics.json", "per-class.png", "report.html"),
          files.map(p -> p.getFileName().toString()).sorted().toList());
    }
    try (Stream<Path> files = Files.list(work)) {
      assertEquals(List.of(report), files.toList(), "no hidden staging folder left behind");
    }
  }

  private static void assertPng(Path report, String name, int width, int height, String html) throws IOException {
    byte[] bytes = Files.readAllBytes(report.resolve(name));
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(bytes));
    assertNotNull(image, name);
    assertEquals(width, image.getWidth(), name);
    assertEquals(height, image.getHeight(), name);
    assertTrue(html.contains("data:image/png;base64," + Base64.getEncoder().encodeToString(bytes)), name + " embedded");
  }

  @Test
  void classFoldersAreMatchedToTheModelsClassesByName() throws Exception {
    Path data = work.resolve("two");
    for (String digit : List.of("9", "7")) {
      Files.createDirectories(data.resolve(digit));
      try (Stream<Path> images = Files.list(TEST.resolve(digit)).sorted().limit(10)) {
        for (Path image : images.toList()) {
          Files.copy(image, data.resolve(digit).resolve(image.getFileName()));
        }
      }
    }
    Path report = work.resolve("report");
    CliRun run = evaluate(data, "--report", report.toString(), "--top-k", "9");
    assertEquals(0, run.exitCode(), run.err());
    int[][] counts = counts(metrics(report));
    assertArrayEquals(predictImageByImage(data), counts);
    assertEquals(10, Stream.of(counts[2]).flatMapToInt(java.util.Arrays::stream).sum(), "row '7' holds the 7s");
    assertEquals(10, Stream.of(counts[4]).flatMapToInt(java.util.Arrays::stream).sum(), "row '9' holds the 9s");
    assertEquals(0, Stream.of(counts[0]).flatMapToInt(java.util.Arrays::stream).sum());
    assertTrue(run.out().contains("Top-5 accuracy: 1.0000"), "k capped at the 5 classes: " + run.out());
  }

  @Test
  void theDefaultReportFolderIsNewAndNamedAfterModelAndData() {
    Path first = HtmlReport.defaultDirectory(work, export, TEST.toString());
    assertEquals("evaluation-serving-1-test", first.getFileName().toString());
    HtmlReport.write(FineTuner.evaluate(export, TEST, 5, false, TrainingListener.NONE), first);
    Path second = HtmlReport.defaultDirectory(work, export, TEST.toString());
    assertEquals("evaluation-serving-1-test-2", second.getFileName().toString());
  }

  @Test
  void anUnreadableImageIsSkippedWithAWarningAndListed() throws Exception {
    Path data = TestFilesCopy.copyClasses(TEST, work.resolve("data"), 3);
    Files.write(data.resolve("5").resolve("broken.png"), new byte[0]);
    Path report = work.resolve("report");
    CliRun run = evaluate(data, "--report", report.toString());
    assertEquals(0, run.exitCode(), run.err());
    assertTrue(run.err().contains("warning: skipped unreadable image " + data.resolve("5").resolve("broken.png")
        + ": not a JPEG, PNG, GIF or BMP image (0 bytes)"), run.err());
    assertTrue(run.out().contains("Skipped unreadable images: 1"), run.out());
    assertEquals(15, metrics(report).get("images").asInt());
    assertTrue(Files.readString(report.resolve(HtmlReport.HTML)).contains("<section id=\"skipped\">"));

    CliRun strict = evaluate(data, "--report", work.resolve("strict").toString(), "--strict");
    assertFails(strict, 4, "cannot use image " + data.resolve("5").resolve("broken.png") + ": not a JPEG, PNG, GIF or BMP image (0 bytes)");
    assertFalse(Files.exists(work.resolve("strict")));
  }

  // --- bad input: one line, the documented exit code, no report

  private void assertFails(CliRun run, int exitCode, String message) {
    assertEquals(exitCode, run.exitCode(), run.err());
    assertEquals("error: " + message, run.errorLines());
    assertFalse(run.err().contains("\tat "), "no stack trace: " + run.err());
    assertEquals("", run.out());
  }

  @Test
  void missingModel() {
    Path missing = work.resolve("nothing");
    CliRun run = CliRun.of("evaluate", "--model", missing.toString(), "--data", TEST.toString(), "--report", work.resolve("r").toString());
    assertFails(run, 3, "Export directory not found: " + missing);
    assertFalse(Files.exists(work.resolve("r")));
  }

  @Test
  void dataWithNoImages() throws IOException {
    Path empty = Files.createDirectories(work.resolve("empty"));
    CliRun run = evaluate(empty, "--report", work.resolve("r").toString());
    assertEquals(4, run.exitCode(), run.err());
    assertTrue(run.errorLines().startsWith("error: data set " + empty + " has no class folders"), run.err());
    assertFalse(Files.exists(work.resolve("r")));

    Files.createDirectories(empty.resolve("5"));
    Files.createDirectories(empty.resolve("6"));
    run = evaluate(empty, "--report", work.resolve("r").toString());
    assertEquals(4, run.exitCode(), run.err());
    assertTrue(run.errorLines().startsWith("error: class folders '5', '6' in " + empty + " hold no images"), run.err());
  }

  @Test
  void dataWhoseImagesAreAllUnreadable() throws IOException {
    Path data = work.resolve("broken");
    for (String digit : List.of("5", "6")) {
      Files.write(Files.createDirectories(data.resolve(digit)).resolve("a.png"), new byte[0]);
    }
    CliRun run = evaluate(data, "--report", work.resolve("r").toString());
    assertEquals(4, run.exitCode(), run.err());
    assertEquals("error: no readable images in " + data + ": all 2 were unreadable and skipped, the first "
        + data.resolve("5").resolve("a.png") + " (not a JPEG, PNG, GIF or BMP image (0 bytes))", run.errorLines());
    assertFalse(Files.exists(work.resolve("r")));
  }

  @Test
  void aClassFolderTheModelDoesNotKnow() throws IOException {
    Path data = TestFilesCopy.copyClasses(TEST, work.resolve("data"), 1);
    Files.copy(data.resolve("5").resolve(firstImage(TEST.resolve("5"))), Files.createDirectories(data.resolve("cat")).resolve("1.png"));
    CliRun run = evaluate(data, "--report", work.resolve("r").toString());
    assertFails(run, 4, "class folder 'cat' in " + data + " is not a class of the model " + export
        + ", whose classes are [5, 6, 7, 8, 9]; remove or rename it");
    assertFalse(Files.exists(work.resolve("r")));
  }

  private static String firstImage(Path folder) throws IOException {
    try (Stream<Path> images = Files.list(folder)) {
      return images.map(p -> p.getFileName().toString()).sorted().findFirst().orElseThrow();
    }
  }

  @Test
  void anExistingReportIsNeverOverwritten() throws IOException {
    Path report = Files.createDirectories(work.resolve("report"));
    Path mine = Files.writeString(report.resolve("notes.txt"), "mine");
    CliRun run = evaluate(TEST, "--report", report.toString());
    assertFails(run, 5, "Report directory " + report + " already exists; reports are never overwritten"
        + " (remove it or pass another --report)");
    assertEquals("mine", Files.readString(mine));
    try (Stream<Path> files = Files.list(report)) {
      assertEquals(1, files.count());
    }
  }

  @Test
  void topKBelowOne() {
    assertFails(evaluate(TEST, "--report", work.resolve("r").toString(), "--top-k", "0"), 2, "--top-k must be >= 1, got 0");
  }

  /** Copies the first {@code perClass} images of each class folder. */
  static final class TestFilesCopy {
    static Path copyClasses(Path from, Path to, int perClass) throws IOException {
      for (String digit : DIGITS) {
        Files.createDirectories(to.resolve(digit));
        try (Stream<Path> images = Files.list(from.resolve(digit)).sorted().limit(perClass)) {
          for (Path image : images.toList()) {
            Files.copy(image, to.resolve(digit).resolve(image.getFileName()));
          }
        }
      }
      return to;
    }
  }
}
