package org.finetune.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.finetune.data.ImageContent;
import org.finetune.data.ImageEntry;
import org.finetune.error.FineTuneException;
import org.finetune.train.History;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report from a made-up evaluation, without TensorFlow: content, escaping, charts, thumbnails, the folder. */
class HtmlReportTest {

  @TempDir Path work;

  static byte[] png(int width, int height) throws IOException {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    var g = image.createGraphics();
    g.setColor(Color.ORANGE);
    g.fillRect(0, 0, width / 2, height);
    g.dispose();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ImageIO.write(image, "png", bytes);
    return bytes.toByteArray();
  }

  /** The six images of ClassificationMetricsTest, classes named to need escaping; 'c<3>' is never predicted. */
  ModelEvaluation evaluation(boolean withHistory) throws IOException {
    List<String> labels = List.of("a&b", "b", "c<3>");
    ClassificationMetrics metrics = ClassificationMetrics.compute(
        labels, ClassificationMetricsTest.ACTUAL, ClassificationMetricsTest.PROBABILITIES, 2);
    List<ModelEvaluation.ImageOutcome> images = new ArrayList<>();
    int[] predicted = metrics.predicted();
    for (int i = 0; i < predicted.length; i++) {
      int a = ClassificationMetricsTest.ACTUAL[i];
      byte[] bytes = i == 2 ? png(2000, 1000) : i == 4 ? new byte[] {1, 2, 3} : png(28, 28);
      ImageEntry entry = new ImageEntry(labels.get(a) + "/" + i + ".png", a, "data.zip!/" + i + ".png", new ImageContent.InMemory(bytes));
      float[] p = ClassificationMetricsTest.PROBABILITIES[i];
      images.add(new ModelEvaluation.ImageOutcome(entry, a, predicted[i], p[a], p[predicted[i]]));
    }
    History history = null;
    if (withHistory) {
      Path file = work.resolve("history.json");
      Files.writeString(file, """
          {"epochs": [
            {"phase": "head", "epoch": 1, "loss": 1.5, "accuracy": 0.3, "valLoss": 1.4, "valAccuracy": 0.4, "seconds": 1, "imagesPerSecond": 100},
            {"phase": "head", "epoch": 2, "loss": 1.2, "accuracy": 0.5, "valLoss": 1.1, "valAccuracy": 0.6, "seconds": 1, "imagesPerSecond": 100},
            {"phase": "fine-tune", "epoch": 1, "loss": 0.9, "accuracy": 0.7, "valLoss": 0.95, "valAccuracy": 0.65, "seconds": 1, "imagesPerSecond": 90, "later": "ignored"}
          ]}""");
      history = History.read(file);
    }
    return new ModelEvaluation(Path.of("serving", "things", "3"), "data.zip", null, history, metrics, images,
        List.of(new ModelEvaluation.Skipped("data.zip!/b/x.png", "not a JPEG, PNG, GIF or BMP image (0 bytes)")));
  }

  @Test
  void thePageHoldsTheFiguresEscapedAndNotesTheZeroDivision() throws IOException {
    Path dir = HtmlReport.write(evaluation(true), work.resolve("report"));
    String html = Files.readString(dir.resolve(HtmlReport.HTML));
    assertTrue(html.contains("<title>Evaluation of things/3 on data.zip</title>"), html);
    assertTrue(html.contains("<td>a&amp;b</td><td>0.5000</td><td>0.6667</td><td>0.5714</td><td>3</td><td>4</td>"), html);
    assertTrue(html.contains("<td>c&lt;3&gt;</td><td>0.0000*</td><td>0.0000</td><td>0.0000</td><td>1</td><td>0</td>"), html);
    assertTrue(html.contains("zero_division=0"));
    assertFalse(html.contains("c<3>"), "labels are escaped");
    assertTrue(html.contains("Top-2 accuracy</th><td>0.6667"));
    assertTrue(html.contains("2 epochs of head, then 1 epoch of fine-tune"), html);
    assertTrue(html.contains("<h3>a&amp;b predicted as b <span class=\"muted\">1 image</span></h3>"), html);
    assertTrue(html.contains("<div class=\"nothumb\">no preview</div>"), "ImageIO could not read image 4");
    assertTrue(html.contains("<section id=\"skipped\">") && html.contains("data.zip!/b/x.png"));
    assertEquals(3, html.split("<h3>", -1).length - 1, "three confusions: a as b, b as a, c as a");
  }

  @Test
  void chartsHaveTheirSizes() throws IOException {
    Path dir = HtmlReport.write(evaluation(true), work.resolve("report"));
    assertSize(dir.resolve(HtmlReport.LOSS_PNG), Charts.CURVE_WIDTH, Charts.CURVE_HEIGHT);
    assertSize(dir.resolve(HtmlReport.ACCURACY_PNG), Charts.CURVE_WIDTH, Charts.CURVE_HEIGHT);
    assertSize(dir.resolve(HtmlReport.CONFUSION_PNG), Charts.heatMapSize(3) + 110, Charts.heatMapSize(3));
    assertSize(dir.resolve(HtmlReport.PER_CLASS_PNG), Charts.barsWidth(3), Charts.BARS_HEIGHT);
  }

  @Test
  void withoutAHistoryThereAreNoCurvesAndTheNoteSaysWhy() throws IOException {
    Path dir = HtmlReport.write(evaluation(false), work.resolve("report"));
    assertFalse(Files.exists(dir.resolve(HtmlReport.LOSS_PNG)));
    assertTrue(Files.readString(dir.resolve(HtmlReport.HTML)).contains("no training history"));
  }

  @Test
  void thumbnailsFitTheirSizeKeepingTheAspectRatio() throws IOException {
    BufferedImage wide = ImageIO.read(new ByteArrayInputStream(Thumbnails.png(png(2000, 1000), 96).orElseThrow()));
    assertEquals(96, wide.getWidth());
    assertEquals(48, wide.getHeight());
    BufferedImage small = ImageIO.read(new ByteArrayInputStream(Thumbnails.png(png(28, 28), 96).orElseThrow()));
    assertEquals(96, small.getWidth());
    assertTrue(Thumbnails.png(new byte[0], 96).isEmpty());
  }

  @Test
  void anExistingFolderIsNeverReplaced() throws IOException {
    Path dir = Files.createDirectories(work.resolve("report"));
    FineTuneException e = assertThrows(FineTuneException.class, () -> HtmlReport.write(evaluation(false), dir));
    assertEquals(FineTuneException.Kind.EXPORT, e.kind());
    Path file = Files.writeString(work.resolve("file"), "x");
    e = assertThrows(FineTuneException.class, () -> HtmlReport.write(evaluation(false), file.resolve("report")));
    assertEquals("Report directory " + file.resolve("report") + " cannot be created: " + file.toAbsolutePath()
        + " is a file, not a directory", e.getMessage());
  }

  private static void assertSize(Path png, int width, int height) throws IOException {
    BufferedImage image = ImageIO.read(png.toFile());
    assertEquals(width, image.getWidth(), png.toString());
    assertEquals(height, image.getHeight(), png.toString());
  }
}
