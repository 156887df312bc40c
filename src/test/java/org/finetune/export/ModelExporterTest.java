package org.finetune.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.finetune.FineTuneRequest;
import org.finetune.FineTuner;
import org.finetune.TrainedModel;
import org.finetune.data.Batch;
import org.finetune.data.BatchOptions;
import org.finetune.data.BatchStream;
import org.finetune.data.Dataset;
import org.finetune.data.ImageDecoder;
import org.finetune.data.ImageSpec;
import org.finetune.data.Preprocessing;
import org.finetune.data.SkipListener;
import org.finetune.error.FineTuneException;
import org.finetune.head.HeadConfig;
import org.finetune.head.HeadSpec;
import org.finetune.head.Pooling;
import org.finetune.model.ModelFingerprint;
import org.finetune.train.TrainingConfig;
import org.finetune.train.TrainingListener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.types.TFloat32;

/** An export of the shipped demo task: what it holds, what it predicts, and that it is all or nothing. */
class ModelExporterTest {

  static final Path MODEL = Path.of("models", "mobilenetv2-0.35-mnist04");
  static final Path DATA = Path.of("data", "digits-5-9", "train");

  /** With batch norm: the export must serve its moving averages, not the batch statistics. */
  static final HeadConfig HEAD = HeadSpec.fromLine("global_avg,dense(64,relu),batch_norm,dropout(0.25)", 1e-4, 0);

  static TrainedModel trained;

  @TempDir Path out;

  @BeforeAll
  static void train() {
    FineTuneRequest request =
        FineTuneRequest.builder()
            .model(MODEL)
            .data(DATA)
            .head(HEAD)
            .training(TrainingConfig.builder().epochs(3).batchSize(32).build())
            .build();
    trained = FineTuner.train(request, TrainingListener.NONE);
  }

  @AfterAll
  static void close() {
    trained.close();
  }

  @Test
  void exportHoldsTheInferenceGraphAndWeightsOnly() throws Exception {
    Path dir = trained.export(out, null, null);
    MetaGraphDef meta = readMetaGraph(dir);
    var signature = meta.getSignatureDefOrThrow("serving_default");
    assertEquals(ModelExporter.PREDICT_METHOD, signature.getMethodName());
    assertEquals(List.of("images"), List.copyOf(signature.getInputsMap().keySet()));
    assertEquals(List.of(-1L, 32L, 32L, 3L),
        signature.getInputsOrThrow("images").getTensorShape().getDimList().stream().map(d -> d.getSize()).toList());
    assertTrue(signature.getOutputsMap().keySet().containsAll(List.of("probabilities", "class_ids")));
    for (NodeDef node : meta.getGraphDef().getNodeList()) {
      String name = node.getName();
      assertFalse(name.contains("gradients") || name.contains("adam") || name.startsWith("load_weights")
          || node.getOp().startsWith("Apply") || node.getOp().startsWith("Random")
          || node.getOp().startsWith("StatelessRandom"), "training-only node " + name + " (" + node.getOp() + ")");
    }
  }

  @Test
  void exportPredictsWhatTheTrainedModelPredicts() throws Exception {
    Path dir = trained.export(out, null, null);
    List<org.finetune.data.ImageEntry> entries = Dataset.open(DATA).entries().subList(0, 16);
    try (ImageDecoder decoder = new ImageDecoder(new ImageSpec(32, 32, 3), Preprocessing.TF);
        BatchStream batches = BatchStream.open(entries, decoder, BatchOptions.inOrder(16), 0, SkipListener.IGNORE);
        SavedModelBundle bundle = SavedModelBundle.load(dir.toString(), "serve")) {
      Batch batch = batches.next();
      float[][] inJava = trained.trainer().predict(batch);
      try (batch;
          Result r = bundle.function("serving_default").call(Map.of("images", batch.pixels()))) {
        TFloat32 p = (TFloat32) r.get("probabilities").orElseThrow();
        for (int i = 0; i < 16; i++) {
          float[] row = new float[5];
          for (int j = 0; j < 5; j++) {
            row[j] = p.getFloat(i, j);
          }
          assertArrayEquals(inJava[i], row, 1e-6f, "image " + i);
        }
      }
    }
  }

  @Test
  void manifestRecordsTheRun() throws Exception {
    Path dir = trained.export(out, 7L, null);
    assertEquals(out.resolve("7"), dir);
    assertEquals(List.of("5", "6", "7", "8", "9"), Files.readAllLines(dir.resolve("labels.txt")));
    JsonNode m = new ObjectMapper().readTree(dir.resolve("finetune.json").toFile());
    assertEquals(ModelFingerprint.sha256(MODEL), m.at("/baseModel/sha256").asText());
    assertEquals(MODEL.toAbsolutePath().normalize().toString(), m.at("/baseModel/path").asText());
    assertEquals("global_avg", m.at("/head/spec/pooling").asText());
    assertEquals("dense", m.at("/head/spec/layers/0/type").asText());
    assertEquals(64, m.at("/head/spec/layers/0/units").asInt());
    assertEquals("relu", m.at("/head/spec/layers/0/activation").asText());
    assertEquals("batch_norm", m.at("/head/spec/layers/1/type").asText());
    assertEquals(0.25, m.at("/head/spec/layers/2/rate").asDouble());
    assertEquals(1e-4, m.at("/head/spec/l2").asDouble());
    assertEquals(5, m.at("/head/outputs").asInt());
    assertEquals("softmax", m.at("/head/activation").asText());
    // The manifest's head is a head spec: reading it back gives the head that was trained.
    assertEquals(HEAD, HeadSpec.fromJson(m.at("/head/spec").toString(), "finetune.json"));
    assertEquals("tf", m.at("/preprocessing/mode").asText());
    assertEquals("mobilenet_v2", m.at("/preprocessing/family").asText());
    assertTrue(m.at("/preprocessing/guessed").asBoolean());
    assertEquals(3, m.at("/hyperparameters/epochs").asInt());
    assertEquals(32, m.at("/hyperparameters/batch_size").asInt());
    assertEquals(1e-4, m.at("/hyperparameters/learning_rate").asDouble());
    assertEquals(42, m.at("/hyperparameters/seed").asInt());
    assertEquals(5, m.at("/classNames").size());
    assertTrue(m.at("/metrics/accuracy").isNumber() && m.at("/metrics/val_accuracy").isNumber(), m.toString());
    assertEquals("2.18.0", m.at("/versions/tensorflow").asText());
    assertEquals(3, new ObjectMapper().readTree(dir.resolve("history.json").toFile()).get("epochs").size());
  }

  @Test
  void aFailedExportLeavesNothingBehind() throws Exception {
    ModelExporter.Request broken = new ModelExporter.Request(
        trained.base(), new HeadConfig(Pooling.AVG, 64, 0.25), trained.classNames(), prefix -> {}, // writes no checkpoint: restoring fails
        null, Map.of());
    assertThrows(FineTuneException.class, () -> ModelExporter.export(broken, out, 1));
    try (Stream<Path> left = Files.list(out)) {
      assertEquals(List.of(), left.toList(), "no version and no staging directory");
    }
  }

  @Test
  void anExistingVersionIsNeverOverwritten() throws Exception {
    Path first = trained.export(out, 1L, null);
    byte[] before = Files.readAllBytes(first.resolve("saved_model.pb"));
    FineTuneException e = assertThrows(FineTuneException.class, () -> trained.export(out, 1L, null));
    assertEquals(FineTuneException.Kind.EXPORT, e.kind());
    assertArrayEquals(before, Files.readAllBytes(first.resolve("saved_model.pb")));
    assertEquals(out.resolve("2"), trained.export(out, null, null), "the next free version");
  }

  private static MetaGraphDef readMetaGraph(Path dir) throws Exception {
    try (InputStream in = Files.newInputStream(dir.resolve("saved_model.pb"))) {
      return SavedModel.parseFrom(in).getMetaGraphs(0);
    }
  }
}
