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
 * predictions equal Java's to 1e-5, and {@code saved_model_cli show} and {@code run} succeed.
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

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void exportPredictsInPythonWhatItPredictsInJava(String fixture, @TempDir Path work) throws Exception {
    FineTuneRequest request =
        FineTuneRequest.builder()
            .model(Fixtures.model(fixture))
            .data(data)
            .output(work.resolve("serving"))
            .head(new HeadConfig(Pooling.FLATTEN, 32, 0.5))
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
