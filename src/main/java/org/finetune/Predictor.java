package org.finetune;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.finetune.data.ImageContent;
import org.finetune.data.ImageDecoder;
import org.finetune.data.ImageSpec;
import org.finetune.data.Preprocessing;
import org.finetune.error.FineTuneException;
import org.finetune.error.IoErrors;
import org.finetune.export.ExportLayout;
import org.finetune.export.ExportManifest;
import org.finetune.export.ModelExporter;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.SessionFunction;
import org.tensorflow.exceptions.TFInvalidArgumentException;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/**
 * Serves an export of this tool from Java: decodes and preprocesses image files the way training
 * did (read from {@code finetune.json}), runs {@code serving_default}, and names the classes from
 * {@code labels.txt}. Safe to use from several threads.
 */
public final class Predictor implements AutoCloseable {

  /** One class and its probability. */
  public record Score(String label, int classId, float probability) {}

  /** The most probable classes for one image, best first. */
  public record Prediction(String image, List<Score> top) {}

  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private final Path directory;
  private final ExportManifest manifest;
  private final List<String> labels;
  private final SavedModelBundle bundle;
  private final SessionFunction serving;
  private final ImageDecoder decoder;

  private Predictor(Path directory, ExportManifest manifest, List<String> labels, SavedModelBundle bundle, ImageDecoder decoder) {
    this.directory = directory;
    this.manifest = manifest;
    this.labels = List.copyOf(labels);
    this.bundle = bundle;
    this.serving = bundle.function(org.tensorflow.Signature.DEFAULT_KEY);
    this.decoder = decoder;
  }

  /** Loads an export: a version directory, or an export root (its highest version is used). */
  public static Predictor load(Path export) {
    Path dir = ExportLayout.versionDirectory(export);
    ExportManifest manifest = readManifest(dir);
    if (manifest.multiLabel() && manifest.threshold() != null && !(manifest.threshold() > 0 && manifest.threshold() < 1)) {
      throw FineTuneException.badModel("Unusable export " + dir + ": " + ModelExporter.MANIFEST_FILE
          + " gives the threshold " + manifest.threshold() + "; expected a number between 0 and 1");
    }
    List<String> labels = readLabels(dir);
    ImageSpec spec = inputSpec(dir, manifest);
    ImageDecoder decoder = new ImageDecoder(spec, preprocessing(dir, manifest));
    try {
      SavedModelBundle bundle = SavedModelBundle.load(dir.toString(), "serve");
      return new Predictor(dir, manifest, labels, bundle, decoder);
    } catch (TensorFlowException | TFInvalidArgumentException e) {
      decoder.close();
      throw FineTuneException.badModel("Cannot load the export " + dir + ": " + e.getMessage().lines().findFirst().orElse(""));
    }
  }

  private static ExportManifest readManifest(Path dir) {
    Path file = requireFile(dir, ModelExporter.MANIFEST_FILE);
    try {
      return JSON.readValue(file.toFile(), ExportManifest.class);
    } catch (JsonProcessingException e) {
      throw FineTuneException.badModel(
          "Not an export of this tool: cannot parse " + file + " (" + firstLine(e.getOriginalMessage()) + ")");
    } catch (IOException e) {
      throw FineTuneException.badModel("Cannot read " + file + ": " + IoErrors.describe(e));
    }
  }

  private static List<String> readLabels(Path dir) {
    Path file = requireFile(dir, ModelExporter.LABELS_FILE);
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8).stream().filter(l -> !l.isEmpty()).toList();
    } catch (IOException e) {
      throw FineTuneException.badModel("Cannot read " + file + ": " + IoErrors.describe(e));
    }
  }

  private static Path requireFile(Path dir, String name) {
    Path file = dir.resolve(name);
    if (!Files.isRegularFile(file)) {
      throw FineTuneException.badModel("Not an export of this tool: " + dir + " has no " + name);
    }
    return file;
  }

  /** The model's input size from {@code finetune.json}: [batch, height, width, channels]. */
  private static ImageSpec inputSpec(Path dir, ExportManifest manifest) {
    List<Long> shape = manifest.serving() == null ? null : manifest.serving().inputShape();
    if (shape == null || shape.size() != 4 || shape.subList(1, 4).stream().anyMatch(d -> d == null || d < 1 || d > Integer.MAX_VALUE)) {
      throw FineTuneException.badModel(
          "Not an export of this tool: " + dir.resolve(ModelExporter.MANIFEST_FILE)
              + " should give serving.inputShape as [batch, height, width, channels], found " + shape);
    }
    try {
      return new ImageSpec(shape.get(1).intValue(), shape.get(2).intValue(), shape.get(3).intValue());
    } catch (FineTuneException e) {
      throw FineTuneException.badModel("Unusable export " + dir + ": " + e.getMessage());
    }
  }

  private static Preprocessing preprocessing(Path dir, ExportManifest manifest) {
    String mode = manifest.preprocessing() == null ? null : manifest.preprocessing().mode();
    if (mode == null) {
      throw FineTuneException.badModel(
          "Not an export of this tool: " + dir.resolve(ModelExporter.MANIFEST_FILE) + " names no preprocessing mode");
    }
    try {
      return Preprocessing.parse(mode);
    } catch (FineTuneException e) {
      throw FineTuneException.badModel("Unusable export " + dir + ": " + e.getMessage());
    }
  }

  private static String firstLine(String message) {
    return message == null ? "" : message.lines().findFirst().orElse("").strip();
  }

  /** The version directory in use. */
  public Path directory() {
    return directory;
  }

  public List<String> labels() {
    return labels;
  }

  public ExportManifest manifest() {
    return manifest;
  }

  /**
   * Whether the export is multi-label ({@code finetune.json}'s {@code task}): its probabilities are
   * sigmoid ones, one per label, and an image has the labels whose probability is above {@link #threshold()}.
   */
  public boolean multiLabel() {
    return manifest.multiLabel();
  }

  /** A multi-label export's decision threshold (0.5 when the manifest gives none). */
  public double threshold() {
    Double t = manifest.threshold();
    return t == null ? 0.5 : t;
  }

  /**
   * Multi-label: for each image file, the labels whose probability is above the export's
   * threshold, most probable first (possibly none).
   */
  public List<Prediction> predictLabels(List<Path> images) {
    if (!multiLabel()) {
      throw FineTuneException.badOption("the export " + directory + " is single-label; use predict(images, k)");
    }
    float[][] probabilities = run(images);
    double threshold = threshold();
    List<Prediction> predictions = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) {
      float[] p = probabilities[i];
      List<Score> above = top(p, p.length).stream().filter(s -> s.probability() > threshold).toList();
      predictions.add(new Prediction(images.get(i).toString(), above));
    }
    return predictions;
  }

  /** The {@code k} most probable classes for each image file. */
  public List<Prediction> predict(List<Path> images, int k) {
    if (k < 1) {
      throw FineTuneException.badOption("--top-k must be >= 1, got " + k);
    }
    float[][] probabilities = run(images);
    List<Prediction> predictions = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) {
      predictions.add(new Prediction(images.get(i).toString(), top(probabilities[i], k)));
    }
    return predictions;
  }

  private float[][] run(List<Path> images) {
    ImageSpec spec = decoder.spec();
    float[] batch = new float[images.size() * spec.valuesPerImage()];
    for (int i = 0; i < images.size(); i++) {
      float[] pixels = decoder.decode(readImage(images.get(i)), images.get(i).toString());
      System.arraycopy(pixels, 0, batch, i * spec.valuesPerImage(), pixels.length);
    }
    return probabilities(batch, images.size());
  }

  /** The image size the export takes. */
  public ImageSpec inputSpec() {
    return decoder.spec();
  }

  /**
   * Decodes, resizes and preprocesses encoded image bytes as training did, for {@link
   * #probabilities}: {@code inputSpec().valuesPerImage()} floats.
   *
   * @throws org.finetune.data.UnreadableImageException naming {@code location} when they are no usable image
   */
  public float[] preprocess(byte[] encoded, String location) {
    return decoder.decode(encoded, location);
  }

  /** Runs the export on already preprocessed pixels, {@code n} images of the model's size. */
  public float[][] probabilities(float[] pixels, int n) {
    ImageSpec spec = decoder.spec();
    Shape shape = Shape.of(n, spec.height(), spec.width(), spec.channels());
    try (TFloat32 input = TFloat32.tensorOf(shape, DataBuffers.of(pixels, true, false));
        Result result = serving.call(Map.of(ModelExporter.INPUT_KEY, input))) {
      TFloat32 p = (TFloat32) result.get(ModelExporter.PROBABILITIES).orElseThrow();
      float[][] out = new float[n][labels.size()];
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < labels.size(); j++) {
          out[i][j] = p.getFloat(i, j);
        }
      }
      return out;
    }
  }

  private List<Score> top(float[] probabilities, int k) {
    return IntStream.range(0, probabilities.length)
        .boxed()
        .sorted(Comparator.comparingDouble((Integer c) -> probabilities[c]).reversed())
        .limit(k)
        .map(c -> new Score(c < labels.size() ? labels.get(c) : "class_" + c, c, probabilities[c]))
        .toList();
  }

  private static byte[] readImage(Path image) {
    if (!Files.exists(image)) {
      throw FineTuneException.badData("Image not found: " + image);
    }
    if (Files.isDirectory(image)) {
      throw FineTuneException.badData("Image " + image + " is a directory; expected an image file");
    }
    if (!Files.isRegularFile(image)) {
      throw FineTuneException.badData("Image " + image + " is not a regular file (a pipe or device?); expected an image file");
    }
    try {
      return new ImageContent.OnDisk(image).read();
    } catch (IOException e) {
      throw FineTuneException.badData("Cannot read image " + image + ": " + IoErrors.describe(e));
    }
  }

  @Override
  public void close() {
    try (SavedModelBundle b = bundle; ImageDecoder d = decoder) {
      // closes both
    }
  }
}
