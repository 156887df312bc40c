package org.finetune.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.finetune.FineTuneRequest;
import org.finetune.FineTuneResult;
import org.finetune.FineTuner;
import org.finetune.Predictor;
import org.finetune.head.HeadConfig;
import org.finetune.head.Pooling;
import org.finetune.testing.Npy;
import org.finetune.testing.PythonExportCheck;
import org.finetune.testing.ShapeImages;
import org.finetune.train.TrainingConfig;
import org.finetune.train.TrainingListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A multi-label export: finetune.json says so (sigmoid, task, threshold), serving_default returns
 * one sigmoid probability per label and no class_ids, Predictor names the labels above the
 * threshold, and Python TensorFlow computes the same probabilities (verify_export.py, 1e-5).
 */
class MultiLabelExportTest {

  @Test
  void exportServesSigmoidProbabilitiesInJavaAndPython(@TempDir Path dir) throws Exception {
    Path csv = ShapeImages.write(dir.resolve("shapes"), 48, 40, 3);
    FineTuneRequest request =
        FineTuneRequest.builder()
            .model(Path.of("models", "mobilenetv2-0.35-mnist04"))
            .data(dir.resolve("shapes"))
            .labels(csv)
            .threshold(0.35)
            .output(dir.resolve("serving"))
            .head(new HeadConfig(Pooling.AVG, 32, 0.2))
            .training(TrainingConfig.builder().epochs(2).batchSize(16).validationSplit(0).build())
            .useCache(false)
            .build();
    FineTuneResult result = FineTuner.run(request, TrainingListener.NONE);
    Path export = result.exportDir();
    assertTrue(result.multiLabel());
    assertEquals(ShapeImages.LABELS, Files.readAllLines(export.resolve("labels.txt")));
    JsonNode manifest = new ObjectMapper().readTree(export.resolve("finetune.json").toFile());
    assertEquals("multi_label", manifest.at("/task").asText());
    assertEquals(0.35, manifest.at("/threshold").asDouble());
    assertEquals("sigmoid", manifest.at("/head/activation").asText());
    assertEquals(3, manifest.at("/head/outputs").asInt());
    assertEquals("[\"probabilities\"]", manifest.at("/serving/outputs").toString());
    assertEquals("binary_crossentropy", manifest.at("/hyperparameters/loss").asText());

    List<Path> images = List.of(dir.resolve("shapes/img/0000.png"), dir.resolve("shapes/img/0001.png"),
        dir.resolve("shapes/img/0002.png"), dir.resolve("shapes/img/0003.png"));
    float[] pixels;
    int values;
    try (Predictor predictor = Predictor.load(export)) {
      assertTrue(predictor.multiLabel());
      assertEquals(0.35, predictor.threshold());
      values = predictor.inputSpec().valuesPerImage();
      pixels = new float[images.size() * values];
      for (int i = 0; i < images.size(); i++) {
        System.arraycopy(predictor.preprocess(Files.readAllBytes(images.get(i)), images.get(i).toString()), 0, pixels, i * values, values);
      }
      float[][] p = predictor.probabilities(pixels, images.size());
      List<Predictor.Prediction> predictions = predictor.predictLabels(images);
      for (int i = 0; i < images.size(); i++) {
        List<String> expected = new java.util.ArrayList<>();
        for (int j = 0; j < 3; j++) {
          assertTrue(p[i][j] >= 0 && p[i][j] <= 1);
          if (p[i][j] > 0.35f) {
            expected.add(ShapeImages.LABELS.get(j));
          }
        }
        List<String> got = predictions.get(i).top().stream().map(Predictor.Score::label).sorted().toList();
        assertEquals(expected, got, "labels above 0.35 for image " + i + ": " + java.util.Arrays.toString(p[i]));
      }
      double worst = 0;
      for (float[] row : p) {
        worst = Math.max(worst, Math.abs(row[0] + row[1] + row[2] - 1));
      }
      assertTrue(worst > 1e-3, "sigmoid outputs do not sum to 1; the rows are off by at most " + worst);
    }
    var info = predictorShape(export);
    PythonExportCheck.verify(export, new Npy.Array(info, pixels), dir, true);
    JsonNode report = new ObjectMapper().readTree(dir.resolve("report.json").toFile());
    for (JsonNode check : report.get("checks")) {
      if (check.get("name").asText().startsWith("probabilities")) {
        System.out.println("multi-label export vs Python: " + check.get("name").asText() + " max abs diff " + check.get("max_abs_diff"));
      }
    }
  }

  private static long[] predictorShape(Path export) {
    try (Predictor predictor = Predictor.load(export)) {
      var spec = predictor.inputSpec();
      return new long[] {4, spec.height(), spec.width(), spec.channels()};
    }
  }
}
