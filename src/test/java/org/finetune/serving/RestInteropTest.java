package org.finetune.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.finetune.FineTuneRequest;
import org.finetune.FineTuner;
import org.finetune.head.HeadConfig;
import org.finetune.head.Pooling;
import org.finetune.testing.Python;
import org.finetune.train.TrainingConfig;
import org.finetune.train.TrainingListener;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java answer to a TF Serving REST request equals what Python TensorFlow computes for it by TF
 * Serving's rules ({@code scripts/rest_reference.py}: {@code tf.saved_model.load}, the signature
 * called on the request's tensors, TF Serving's response format): same structure, same keys,
 * class ids equal, floats within 1e-5; for the row and both columnar forms, on an export the tool
 * made. And floats print as TF Serving prints them, to the character, for 4000 float32 values.
 */
class RestInteropTest {

  static final Path DEMO = Path.of("models", "mobilenetv2-0.35-mnist04");
  static final Path DIGITS = Path.of("data", "digits-5-9", "train");
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path shared;
  static Path export;

  @BeforeAll
  static void exportOnce() {
    FineTuneRequest request = FineTuneRequest.builder().model(DEMO).data(DIGITS).output(shared.resolve("serving"))
        .head(new HeadConfig(Pooling.AVG, 8, 0.5)).training(TrainingConfig.builder().epochs(1).batchSize(32).build())
        .useCache(false).build();
    export = FineTuner.run(request, TrainingListener.NONE).exportDir();
  }

  /** Three 32x32x3 images of values in [-1, 1] (the export's preprocessing range), as JSON lists. */
  static List<String> images() {
    Random random = new Random(7);
    List<String> images = new ArrayList<>();
    for (int n = 0; n < 3; n++) {
      StringBuilder s = new StringBuilder("[");
      for (int y = 0; y < 32; y++) {
        s.append(y > 0 ? ", [" : "[");
        for (int x = 0; x < 32; x++) {
          s.append(x > 0 ? ", [" : "[");
          for (int c = 0; c < 3; c++) {
            s.append(c > 0 ? ", " : "").append(Float.toString(random.nextFloat() * 2 - 1));
          }
          s.append(']');
        }
        s.append(']');
      }
      images.add(s.append(']').toString());
    }
    return images;
  }

  double compare(String request, Path work, String expectedTopKey) throws Exception {
    String java;
    try (RestPredictor predictor = RestPredictor.load(export)) {
      java = predictor.respond(request.getBytes(StandardCharsets.UTF_8));
    }
    Path requestFile = work.resolve("request.json");
    Path expectedFile = work.resolve("python.json");
    Files.writeString(requestFile, request);
    Python.Run run = Python.script("rest_reference.py",
        List.of("--export", export.toString(), "--request", requestFile.toString(), "--out", expectedFile.toString()));
    assertEquals(0, run.exitCode(), "rest_reference.py failed:\n" + run.output());
    JsonNode expected = JSON.readTree(expectedFile.toFile());
    JsonNode actual = JSON.readTree(java);
    assertEquals(List.of(expectedTopKey), names(actual));
    double[] max = {0};
    same(expected, actual, "$", max);
    System.out.printf(Locale.ROOT, "%s: max |Java - Python| = %.3g%n", expectedTopKey, max[0]);
    assertTrue(max[0] <= 1e-5, "max difference " + max[0]);
    return max[0];
  }

  static List<String> names(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  static void same(JsonNode expected, JsonNode actual, String path, double[] max) {
    assertEquals(expected.getNodeType(), actual.getNodeType(), path);
    if (expected.isObject()) {
      assertEquals(names(expected).stream().sorted().toList(), names(actual).stream().sorted().toList(), path);
      for (Iterator<Map.Entry<String, JsonNode>> it = expected.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        same(e.getValue(), actual.get(e.getKey()), path + "." + e.getKey(), max);
      }
    } else if (expected.isArray()) {
      assertEquals(expected.size(), actual.size(), path);
      for (int i = 0; i < expected.size(); i++) {
        same(expected.get(i), actual.get(i), path + "[" + i + "]", max);
      }
    } else if (expected.isIntegralNumber()) {
      assertTrue(actual.isIntegralNumber(), path + ": " + actual);
      assertEquals(expected.longValue(), actual.longValue(), path);
    } else if (expected.isNumber()) {
      assertTrue(actual.isFloatingPointNumber(), path + ": a float printed as TF Serving prints it, with a point or exponent: " + actual);
      max[0] = Math.max(max[0], Math.abs(expected.doubleValue() - actual.doubleValue()));
    } else {
      assertEquals(expected, actual, path);
    }
  }

  @Test
  void rowFormatMatchesPython(@TempDir Path work) throws Exception {
    List<String> images = images();
    double max = compare("{\"instances\": [" + String.join(", ", images) + "]}", work, "predictions");
    assertTrue(max >= 0);
  }

  @Test
  void rowFormatWithNamedInstancesMatchesPython(@TempDir Path work) throws Exception {
    List<String> images = images();
    compare("{\"signature_name\": \"serving_default\", \"instances\": [{\"images\": " + images.get(0) + "}, {\"images\": " + images.get(1) + "}]}",
        work, "predictions");
  }

  @Test
  void columnarFormatMatchesPython(@TempDir Path work) throws Exception {
    List<String> images = images();
    compare("{\"inputs\": {\"images\": [" + String.join(", ", images) + "]}}", work, "outputs");
    compare("{\"inputs\": [" + images.get(2) + "]}", work, "outputs");
  }

  @Test
  void floatsPrintAsTfServingPrintsThemToTheCharacter(@TempDir Path work) throws Exception {
    Random random = new Random(11);
    List<Integer> bits = new ArrayList<>();
    for (float f : new float[] {0f, -0f, 1f, 0.1f, 0.2f, 1e-7f, 3e-5f, 9e6f, 123456f, 1234567f, 1e10f, Float.MIN_VALUE,
        Float.MIN_NORMAL, Float.MAX_VALUE, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
      bits.add(Float.floatToIntBits(f));
    }
    while (bits.size() < 2000) { // every exponent and sign
      bits.add(random.nextInt());
    }
    while (bits.size() < 4000) { // probabilities: what a classifier answers
      bits.add(Float.floatToIntBits(random.nextFloat()));
    }
    bits.removeIf(b -> Float.isNaN(Float.intBitsToFloat(b)) && b != Float.floatToIntBits(Float.NaN));
    Path in = work.resolve("bits.txt");
    Path out = work.resolve("formatted.txt");
    Files.write(in, bits.stream().map(b -> Integer.toUnsignedString(b)).toList());
    Python.Run run = Python.script("rest_reference.py", List.of("--format-floats", in.toString(), "--out", out.toString()));
    assertEquals(0, run.exitCode(), run.output());
    List<String> python = Files.readAllLines(out);
    assertEquals(bits.size(), python.size());
    for (int i = 0; i < bits.size(); i++) {
      float f = Float.intBitsToFloat(bits.get(i));
      assertEquals(python.get(i), PrettyJson.decimal(f), "float bits " + Integer.toHexString(bits.get(i)));
    }
  }
}
