package org.finetune.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.finetune.error.FineTuneException;
import org.finetune.error.IoErrors;
import org.finetune.export.ExportManifest;
import org.finetune.train.EpochMetrics;

/**
 * Writes an evaluation as a folder: {@code report.html}, a single page that opens offline (every
 * chart and thumbnail embedded as a {@code data:} URI, no script, no outside link), the charts
 * also as PNG files beside it, and {@code metrics.json}. The folder is written under a hidden
 * name next to the target and renamed into place when complete; an existing folder is never
 * replaced.
 */
public final class HtmlReport {

  public static final String HTML = "report.html";
  public static final String METRICS = "metrics.json";
  public static final String LOSS_PNG = "loss.png";
  public static final String ACCURACY_PNG = "accuracy.png";
  public static final String CONFUSION_PNG = "confusion-matrix.png";
  public static final String PER_CLASS_PNG = "per-class.png";

  /** Confusions shown with thumbnails, images per confusion, thumbnail size in pixels. */
  public static final int CONFUSED_PAIRS = 6;
  public static final int IMAGES_PER_PAIR = 6;
  public static final int THUMBNAIL_SIZE = 96;

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

  private HtmlReport() {}

  /**
   * Checks, before any work, that a report can be written to {@code dir}: it does not exist yet
   * (a report is never overwritten) and its parent is a folder or can be created.
   */
  public static void checkTarget(Path dir) {
    if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      throw new FineTuneException(FineTuneException.Kind.EXPORT,
          "Report directory " + dir + " already exists; reports are never overwritten (remove it or pass another --report)");
    }
    Path parent = dir.toAbsolutePath().getParent();
    Path existing = parent;
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing != null && !Files.isDirectory(existing)) {
      throw new FineTuneException(FineTuneException.Kind.EXPORT,
          "Report directory " + dir + " cannot be created: " + existing + " is a file, not a directory");
    }
  }

  /**
   * A free folder name in {@code parent} for evaluating {@code export} on {@code data}: {@code
   * evaluation-<export root>-<version>-<data name>}, with {@code -2}, {@code -3}, ... appended
   * when taken.
   */
  public static Path defaultDirectory(Path parent, Path export, String data) {
    String model = modelName(export).replace('/', '-');
    Path dataPath = Path.of(data).toAbsolutePath().normalize();
    String dataName = dataPath.getFileName() == null ? "data" : dataPath.getFileName().toString()
        .replaceAll("(?i)\\.(tar\\.gz|tgz|tar|zip)$", "");
    String base = safe("evaluation-" + model + "-" + dataName);
    Path candidate = parent.resolve(base);
    for (int n = 2; Files.exists(candidate, LinkOption.NOFOLLOW_LINKS); n++) {
      candidate = parent.resolve(base + "-" + n);
    }
    return candidate;
  }

  private static String safe(String name) {
    return name.replaceAll("[^A-Za-z0-9._+-]", "_");
  }

  /**
   * Writes the report to {@code dir}, which must not exist.
   *
   * @return {@code dir}
   */
  public static Path write(ModelEvaluation evaluation, Path dir) {
    checkTarget(dir);
    Path parent = dir.toAbsolutePath().getParent();
    Path staging = null;
    try {
      Files.createDirectories(parent);
      // not createTempDirectory: its 0700 would make the report unreadable to others; this follows the umask
      staging = Files.createDirectory(parent.resolve("." + dir.getFileName() + ".partial-" + Long.toHexString(RANDOM.nextLong())));
      Map<String, byte[]> charts = charts(evaluation);
      for (Map.Entry<String, byte[]> chart : charts.entrySet()) {
        Files.write(staging.resolve(chart.getKey()), chart.getValue());
      }
      Files.writeString(staging.resolve(HTML), html(evaluation, charts), StandardCharsets.UTF_8);
      JSON.writeValue(staging.resolve(METRICS).toFile(), metricsDocument(evaluation));
      if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) { // appeared while we worked
        throw new FileAlreadyExistsException(dir.toString(), null, "appeared while the report was written; not overwritten");
      }
      try {
        Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("the file system cannot rename " + staging + " atomically", e);
      }
      staging = null;
      return dir;
    } catch (IOException | UncheckedIOException e) {
      IOException io = e instanceof UncheckedIOException u ? u.getCause() : (IOException) e;
      throw new FineTuneException(FineTuneException.Kind.EXPORT,
          "Cannot write the report to " + dir + ": " + IoErrors.describe(io) + "; nothing was written", e);
    } finally {
      if (staging != null) {
        deleteRecursively(staging);
      }
    }
  }

  /** The PNG files, by name, in the order the page shows them. */
  static Map<String, byte[]> charts(ModelEvaluation evaluation) {
    Map<String, byte[]> charts = new LinkedHashMap<>();
    if (evaluation.history() != null && !evaluation.history().epochs().isEmpty()) {
      charts.put(LOSS_PNG, png(Charts.trainingCurve(evaluation.history(), false)));
      charts.put(ACCURACY_PNG, png(Charts.trainingCurve(evaluation.history(), true)));
    }
    charts.put(CONFUSION_PNG, png(Charts.confusionHeatMap(evaluation.metrics().confusionMatrix())));
    charts.put(PER_CLASS_PNG, png(Charts.perClassBars(evaluation.metrics())));
    return charts;
  }

  private static byte[] png(BufferedImage image) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      ImageIO.write(image, "png", bytes);
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String dataUri(byte[] png) {
    return "data:image/png;base64," + Base64.getEncoder().encodeToString(png);
  }

  // --- the page

  static String html(ModelEvaluation e, Map<String, byte[]> charts) {
    ClassificationMetrics m = e.metrics();
    ExportManifest manifest = e.manifest();
    StringBuilder h = new StringBuilder(1 << 16);
    String title = "Evaluation of " + modelName(e.export()) + " on " + e.data();
    h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .append("<title>").append(esc(title)).append("</title>\n<style>\n").append(CSS).append("</style>\n</head>\n<body>\n");
    h.append("<h1>").append(esc(title)).append("</h1>\n");
    h.append("<p class=\"meta\">Model <code>").append(esc(e.export().toString())).append("</code>");
    if (manifest != null && manifest.createdAt() != null) {
      h.append(", exported ").append(esc(manifest.createdAt()));
    }
    h.append("<br>Data <code>").append(esc(e.data())).append("</code>: ").append(m.images()).append(" images");
    if (!e.skipped().isEmpty()) {
      h.append(", ").append(e.skipped().size()).append(" unreadable and left out (listed at the end)");
    }
    h.append("</p>\n");

    // summary
    h.append("<section id=\"summary\">\n<h2>Summary</h2>\n<table class=\"summary\">\n");
    row(h, "Accuracy", fmt(m.accuracy()) + " <span class=\"muted\">(" + m.confusionMatrix().trace() + " of " + m.images() + ")</span>");
    row(h, "Top-" + m.topK() + " accuracy", fmt(m.topKAccuracy()));
    ClassificationMetrics.Average macro = m.macroAverage();
    ClassificationMetrics.Average weighted = m.weightedAverage();
    row(h, "Macro average", "precision " + fmt(macro.precision()) + ", recall " + fmt(macro.recall()) + ", F1 " + fmt(macro.f1()));
    row(h, "Weighted average", "precision " + fmt(weighted.precision()) + ", recall " + fmt(weighted.recall()) + ", F1 " + fmt(weighted.f1()));
    h.append("</table>\n</section>\n");

    // per class
    h.append("<section id=\"per-class\">\n<h2>Per class</h2>\n<table class=\"grid\">\n<thead><tr><th>class</th><th>precision</th>")
        .append("<th>recall</th><th>F1</th><th>images</th><th>predicted</th></tr></thead>\n<tbody>\n");
    boolean undefined = false;
    for (ClassificationMetrics.PerClass c : m.perClass()) {
      h.append("<tr><td>").append(esc(c.label())).append("</td><td>").append(fmt(c.precision()));
      if (!c.precisionDefined()) {
        h.append("*");
        undefined = true;
      }
      h.append("</td><td>").append(fmt(c.recall()));
      if (!c.recallDefined()) {
        h.append("*");
        undefined = true;
      }
      h.append("</td><td>").append(fmt(c.f1())).append("</td><td>").append(c.support())
          .append("</td><td>").append(c.predicted()).append("</td></tr>\n");
    }
    h.append("</tbody>\n</table>\n");
    if (undefined) {
      h.append("<p class=\"note\">* 0/0, reported as 0 (as scikit-learn's <code>zero_division=0</code>): precision of a class")
          .append(" the model never predicted, recall of a class with no images.</p>\n");
    }
    image(h, charts, PER_CLASS_PNG, "Precision, recall and F1 per class");
    h.append("</section>\n");

    // confusion matrix
    h.append("<section id=\"confusion-matrix\">\n<h2>Confusion matrix</h2>\n")
        .append("<p>Rows are the true classes, columns the predictions; a cell's colour is its share of the row.</p>\n");
    image(h, charts, CONFUSION_PNG, "Confusion matrix heat map");
    confusionTable(h, m.confusionMatrix());
    h.append("</section>\n");

    // training curves
    h.append("<section id=\"training\">\n<h2>Training</h2>\n");
    if (charts.containsKey(LOSS_PNG)) {
      h.append("<p>").append(esc(trainingSummary(e))).append("</p>\n<div class=\"charts\">\n");
      image(h, charts, LOSS_PNG, "Loss per epoch");
      image(h, charts, ACCURACY_PNG, "Accuracy per epoch");
      h.append("</div>\n");
    } else {
      h.append("<p class=\"note\">The export has no training history (history.json), so there are no curves.</p>\n");
    }
    h.append("</section>\n");

    // most confused
    h.append("<section id=\"most-confused\">\n<h2>Most confused</h2>\n");
    List<ModelEvaluation.ConfusedImages> confused = e.mostConfused(CONFUSED_PAIRS, IMAGES_PER_PAIR);
    if (confused.isEmpty()) {
      h.append("<p>Every image was classified correctly.</p>\n");
    }
    for (ModelEvaluation.ConfusedImages pair : confused) {
      ConfusionMatrix.Confusion c = pair.confusion();
      h.append("<h3>").append(esc(e.labels().get(c.actual()))).append(" predicted as ").append(esc(e.labels().get(c.predicted())))
          .append(" <span class=\"muted\">").append(c.count()).append(c.count() == 1 ? " image" : " images")
          .append(c.count() > pair.images().size() ? ", the " + pair.images().size() + " most confident shown" : "")
          .append("</span></h3>\n<div class=\"thumbs\">\n");
      for (ModelEvaluation.ImageOutcome image : pair.images()) {
        thumbnail(h, image, e.labels());
      }
      h.append("</div>\n");
    }
    h.append("</section>\n");

    if (manifest != null) {
      h.append("<section id=\"model\">\n<h2>Model</h2>\n<table class=\"summary\">\n");
      if (manifest.baseModel() != null) {
        row(h, "Base", "<code>" + esc(manifest.baseModel().path()) + "</code>");
      }
      if (manifest.hyperparameters() != null && manifest.hyperparameters().get("strategy") != null) {
        row(h, "Strategy", esc(String.valueOf(manifest.hyperparameters().get("strategy"))));
      }
      if (manifest.head() != null && manifest.head().description() != null) {
        row(h, "Head", esc(manifest.head().description()));
      }
      if (manifest.preprocessing() != null && manifest.preprocessing().description() != null) {
        row(h, "Preprocessing", esc(manifest.preprocessing().description()));
      }
      if (manifest.metrics() != null && !manifest.metrics().isEmpty()) {
        StringBuilder recorded = new StringBuilder();
        manifest.metrics().forEach((k, v) -> recorded.append(recorded.length() == 0 ? "" : ", ").append(k).append(' ')
            .append(k.endsWith("images") ? String.valueOf(v.longValue()) : fmt(v)));
        row(h, "Recorded at export", esc(recorded.toString()));
      }
      h.append("</table>\n</section>\n");
    }

    if (!e.skipped().isEmpty()) {
      h.append("<section id=\"skipped\">\n<h2>Unreadable images</h2>\n<ul>\n");
      for (ModelEvaluation.Skipped s : e.skipped()) {
        h.append("<li><code>").append(esc(s.location())).append("</code>: ").append(esc(s.reason())).append("</li>\n");
      }
      h.append("</ul>\n</section>\n");
    }
    h.append("</body>\n</html>\n");
    return h.toString();
  }

  /** {@code root/version} for a version directory, else the folder's name. */
  static String modelName(Path export) {
    Path dir = export.toAbsolutePath().normalize();
    String name = String.valueOf(dir.getFileName());
    Path parent = dir.getParent();
    return name.matches("\\d+") && parent != null && parent.getFileName() != null ? parent.getFileName() + "/" + name : name;
  }

  private static String trainingSummary(ModelEvaluation e) {
    List<EpochMetrics> epochs = e.history().epochs();
    Map<String, Long> perPhase = new LinkedHashMap<>();
    for (EpochMetrics epoch : epochs) {
      perPhase.merge(epoch.phase(), 1L, Long::sum);
    }
    List<String> parts = new ArrayList<>();
    perPhase.forEach((phase, n) -> parts.add(n + (n == 1 ? " epoch of " : " epochs of ") + phase));
    EpochMetrics last = epochs.get(epochs.size() - 1);
    String end = "last epoch: loss " + fmt(last.loss()) + ", accuracy " + fmt(last.accuracy())
        + (last.valLoss() == null ? "" : ", val_loss " + fmt(last.valLoss()) + ", val_accuracy " + fmt(last.valAccuracy()));
    return String.join(", then ", parts) + " (from history.json); " + end + ".";
  }

  private static void confusionTable(StringBuilder h, ConfusionMatrix matrix) {
    h.append("<details><summary>As a table</summary>\n<table class=\"grid matrix\">\n<thead><tr><th>true \\ predicted</th>");
    for (String label : matrix.labels()) {
      h.append("<th>").append(esc(label)).append("</th>");
    }
    h.append("<th>images</th></tr></thead>\n<tbody>\n");
    for (int a = 0; a < matrix.size(); a++) {
      h.append("<tr><th>").append(esc(matrix.labels().get(a))).append("</th>");
      for (int p = 0; p < matrix.size(); p++) {
        h.append(a == p ? "<td class=\"diag\">" : "<td>").append(matrix.count(a, p)).append("</td>");
      }
      h.append("<td>").append(matrix.rowSum(a)).append("</td></tr>\n");
    }
    h.append("</tbody>\n</table>\n</details>\n");
  }

  private static void thumbnail(StringBuilder h, ModelEvaluation.ImageOutcome image, List<String> labels) {
    String location = image.entry().location();
    String name = image.entry().path();
    h.append("<figure title=\"").append(esc(location)).append("\">");
    Optional<byte[]> png;
    try {
      png = Thumbnails.png(image.entry().readBytes(), THUMBNAIL_SIZE);
    } catch (IOException e) {
      png = Optional.empty();
    }
    if (png.isPresent()) {
      h.append("<img class=\"thumb\" alt=\"").append(esc(name)).append("\" src=\"").append(dataUri(png.get())).append("\">");
    } else {
      h.append("<div class=\"nothumb\">no preview</div>");
    }
    h.append("<figcaption>").append(esc(name)).append("<br>p(").append(esc(labels.get(image.predicted()))).append(") ")
        .append(String.format(Locale.ROOT, "%.3f", image.predictedProbability())).append("<br>p(")
        .append(esc(labels.get(image.actual()))).append(") ").append(String.format(Locale.ROOT, "%.3f", image.actualProbability()))
        .append("</figcaption></figure>\n");
  }

  private static void image(StringBuilder h, Map<String, byte[]> charts, String name, String alt) {
    h.append("<figure class=\"chart\"><img alt=\"").append(esc(alt)).append("\" src=\"").append(dataUri(charts.get(name)))
        .append("\"><figcaption>").append(name).append("</figcaption></figure>\n");
  }

  private static void row(StringBuilder h, String name, String valueHtml) {
    h.append("<tr><th>").append(esc(name)).append("</th><td>").append(valueHtml).append("</td></tr>\n");
  }

  static String fmt(double value) {
    return String.format(Locale.ROOT, "%.4f", value);
  }

  static String esc(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (char c : text.toCharArray()) {
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  private static final String CSS = """
      body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 2em auto;
             max-width: 1200px; padding: 0 1em; color: #222; }
      h1 { font-size: 1.5em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 1.6em; }
      h3 { font-size: 1.05em; margin-bottom: .3em; }
      code { background: #f4f4f4; padding: 0 .25em; }
      .meta, .muted, .note { color: #666; } .note { font-size: .9em; }
      table { border-collapse: collapse; }
      table.summary th { text-align: left; padding: .2em 1.5em .2em 0; font-weight: 600; }
      table.grid th, table.grid td { border: 1px solid #ddd; padding: .25em .6em; text-align: right; }
      table.grid th:first-child, table.grid td:first-child { text-align: left; }
      table.grid thead th { background: #f4f4f4; }
      table.matrix td.diag { background: #e6f0fa; font-weight: 600; }
      figure { margin: .5em 0; } figure.chart img { max-width: 100%; border: 1px solid #eee; }
      figure.chart figcaption { font-size: .8em; color: #888; }
      .charts { display: flex; flex-wrap: wrap; gap: 1em; }
      .charts figure.chart img { max-width: 560px; }
      .thumbs { display: flex; flex-wrap: wrap; gap: .8em; }
      .thumbs figure { width: 120px; text-align: center; font-size: .75em; color: #444; overflow-wrap: anywhere; }
      img.thumb { width: 96px; height: auto; image-rendering: pixelated; border: 1px solid #ccc; }
      .nothumb { width: 96px; height: 96px; line-height: 96px; background: #eee; color: #999; margin: 0 auto; }
      details { margin-top: .6em; }
      """;

  // --- metrics.json

  static Map<String, Object> metricsDocument(ModelEvaluation e) {
    ClassificationMetrics m = e.metrics();
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("export", e.export().toString());
    doc.put("data", e.data());
    doc.put("images", m.images());
    doc.put("skipped_images", e.skipped().size());
    doc.put("accuracy", m.accuracy());
    doc.put("top_k", m.topK());
    doc.put("top_k_accuracy", m.topKAccuracy());
    doc.put("macro_average", average(m.macroAverage()));
    doc.put("weighted_average", average(m.weightedAverage()));
    List<Map<String, Object>> classes = new ArrayList<>();
    for (ClassificationMetrics.PerClass c : m.perClass()) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("label", c.label());
      row.put("precision", c.precision());
      row.put("recall", c.recall());
      row.put("f1", c.f1());
      row.put("support", c.support());
      row.put("predicted", c.predicted());
      classes.add(row);
    }
    doc.put("per_class", classes);
    doc.put("zero_division", 0);
    Map<String, Object> matrix = new LinkedHashMap<>();
    matrix.put("labels", m.labels());
    matrix.put("rows", "true class");
    matrix.put("columns", "predicted class");
    matrix.put("counts", m.confusionMatrix().counts());
    doc.put("confusion_matrix", matrix);
    return doc;
  }

  private static Map<String, Double> average(ClassificationMetrics.Average a) {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("precision", a.precision());
    m.put("recall", a.recall());
    m.put("f1", a.f1());
    return m;
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | RuntimeException ignored) {
      // best effort: a hidden leftover is harmless
    }
  }
}
