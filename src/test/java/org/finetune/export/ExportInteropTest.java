package org.finetune.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.finetune.FineTuneRequest;
import org.finetune.FineTuneResult;
import org.finetune.FineTuner;
import org.finetune.head.HeadConfig;
import org.finetune.head.HeadSpec;
import org.finetune.head.Pooling;
import org.finetune.testing.ColourImages;
import org.finetune.testing.Fixtures;
import org.finetune.testing.Npy;
import org.finetune.testing.PythonExportCheck;
import org.finetune.train.TrainingConfig;
import org.finetune.train.TrainingListener;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The whole path on every Keras fixture (4 architectures x 3 export styles): fine-tune briefly in
 * Java, export, then load the export in Python TensorFlow ({@code scripts/verify_export.py}): the
 * predictions equal Java's to 1e-5 (heads with batch norm too), and {@code saved_model_cli show} and {@code run} succeed.
 */
class ExportInteropTest {

  /** The preprocessing each architecture's layer names must be recognised as. */
  private static final Map<String, String> FAMILY =
      Map.of("vgg16", "vgg16", "mobilenet", "mobilenet", "mobilenet_v2", "mobilenet_v2", "resnet50", "resnet50");

  @TempDir static Path shared;
  private static Path data;

  @BeforeAll
  static void writeData() throws Exception {
    data = ColourImages.write(shared.resolve("colours"), 6, 80, 72, 1);
  }

  static Stream<String> fixtures() {
    return Fixtures.all().stream();
  }

  /**
   * A head per export style, so each architecture is exported with each: the tutorial's shape,
   * and two spec heads whose batch norm must serve its moving averages.
   */
  static HeadConfig headFor(String fixture) {
    if (fixture.endsWith("-tf-keras-save")) {
      return HeadSpec.fromLine("global_avg,dense(32,swish),batch_norm,dropout(0.2),dense(16,tanh)", 1e-4, 0.1);
    }
    if (fixture.endsWith("-tf-saved-model")) {
      return HeadSpec.fromLine("global_max,batch_norm,dense(8,relu6)", 0, 0);
    }
    return new HeadConfig(Pooling.FLATTEN, 32, 0.5);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void exportPredictsInPythonWhatItPredictsInJava(String fixture, @TempDir Path work) throws Exception {
    FineTuneRequest request =
        FineTuneRequest.builder()
            .model(Fixtures.model(fixture))
            .data(data)
            .output(work.resolve("serving"))
            .head(headFor(fixture))
            .training(TrainingConfig.builder().epochs(1).batchSize(8).validationSplit(0).build())
            .build();
    FineTuneResult result = FineTuner.run(request, TrainingListener.NONE);

    Path export = result.exportDir();
    assertEquals(work.resolve("serving").resolve("1"), export);
    String arch = fixture.substring(0, fixture.indexOf('-'));
    assertEquals(FAMILY.get(arch), result.preprocessing().family(), "preprocessing guessed from the layer names");
    assertEquals(ColourImages.CLASSES, Files.readAllLines(export.resolve("labels.txt")));
    JsonNode manifest = new ObjectMapper().readTree(export.resolve("finetune.json").toFile());
    assertEquals(3, manifest.at("/head/outputs").asInt());
    assertEquals(64, manifest.at("/baseModel/sha256").asText().length());

    PythonExportCheck.verify(export, Npy.readFloat32(Fixtures.referenceInput(fixture)), work);
  }
}
