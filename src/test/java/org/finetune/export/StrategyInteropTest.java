package org.finetune.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.finetune.FineTuneRequest;
import org.finetune.FineTuner;
import org.finetune.TrainedModel;
import org.finetune.head.HeadConfig;
import org.finetune.head.Pooling;
import org.finetune.model.BaseNetwork;
import org.finetune.model.ModelVariable;
import org.finetune.model.StoredTensor;
import org.finetune.testing.ColourImages;
import org.finetune.testing.Fixtures;
import org.finetune.testing.Npy;
import org.finetune.testing.PythonExportCheck;
import org.finetune.train.StrategyConfig;
import org.finetune.train.TrainingConfig;
import org.finetune.train.TrainingListener;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.proto.SavedModel;

/**
 * cut, unfreeze and full on every architecture (freeze is {@link ExportInteropTest}'s), each
 * export checked in Python; the export styles rotate so that each strategy meets each of them.
 * Frozen base weights stay bit-identical, fine-tuned ones move, a cut leaves the later layers out.
 */
class StrategyInteropTest {

  /** A layer about half-way into each architecture, where a cut keeps generic features. */
  private static final Map<String, String> CUT_AT =
      Map.of("vgg16", "block3_pool", "mobilenet", "conv_pw_6_relu", "mobilenet_v2", "block_8_add", "resnet50", "conv3_block4_out");

  @TempDir static Path shared;
  private static Path data;

  @BeforeAll
  static void writeData() throws Exception {
    data = ColourImages.write(shared.resolve("colours"), 6, 80, 72, 2);
  }

  static Stream<Arguments> cases() {
    List<Arguments> cases = new ArrayList<>();
    List<String> strategies = List.of("cut", "unfreeze", "full");
    for (int a = 0; a < Fixtures.ARCHS.size(); a++) {
      for (int s = 0; s < strategies.size(); s++) {
        String style = Fixtures.STYLES.get((a + s) % Fixtures.STYLES.size());
        cases.add(Arguments.of(strategies.get(s), Fixtures.ARCHS.get(a) + "-" + style));
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("cases")
  void strategyTrainsWhatItShouldAndTheExportServesInPython(String strategy, String fixture, @TempDir Path work)
      throws Exception {
    String arch = fixture.substring(0, fixture.indexOf('-'));
    StrategyConfig config = switch (strategy) {
      case "cut" -> StrategyConfig.cut(CUT_AT.get(arch));
      case "unfreeze" -> StrategyConfig.unfreezeTop(3).withFineTune(1, null, false);
      default -> StrategyConfig.full().withFineTune(1, 1e-4, false);
    };
    FineTuneRequest request =
        FineTuneRequest.builder()
            .model(Fixtures.model(fixture))
            .data(data)
            .head(new HeadConfig(Pooling.AVG, 16, 0.5))
            .training(TrainingConfig.builder().epochs(1).batchSize(9).validationSplit(0).build())
            .strategy(config)
            .build();
    Path export;
    try (TrainedModel model = FineTuner.train(request, TrainingListener.NONE)) {
      checkWhatMoved(model, strategy);
      export = model.export(work.resolve("serving"), null, null);
    }
    JsonNode manifest = new ObjectMapper().readTree(export.resolve("finetune.json").toFile());
    assertEquals(strategy, manifest.at("/hyperparameters/strategy").asText());
    if (strategy.equals("cut")) {
      checkCut(export, manifest, fixture, CUT_AT.get(arch));
    }
    PythonExportCheck.verify(export, Npy.readFloat32(Fixtures.referenceInput(fixture)), work);
  }

  /** Base weights outside phase 2 are bit-identical; every fine-tuned one moved. */
  private static void checkWhatMoved(TrainedModel model, String strategy) {
    BaseNetwork base = model.base();
    List<String> fineTuned = model.trainer().plan().fineTuneVariables();
    assertEquals(strategy.equals("cut"), fineTuned.isEmpty(), "phase 2 trains " + fineTuned);
    Map<String, StoredTensor> now =
        model.trainer().readWeights(base.variables().stream().map(ModelVariable::opName).toList());
    for (ModelVariable v : base.variables()) {
      boolean same = base.weights().get(v.opName()).sameAs(now.get(v.opName()));
      if (fineTuned.contains(v.opName())) {
        assertFalse(same, v.kerasName() + " was fine-tuned but did not move");
      } else {
        assertTrue(same, v.kerasName() + " is frozen but moved");
      }
    }
  }

  /** The export ends at the cut layer: its shape is recorded and no later layer's weights are in it. */
  private static void checkCut(Path export, JsonNode manifest, String fixture, String layer) throws Exception {
    JsonNode keras = new ObjectMapper().readTree(Fixtures.dir(fixture).resolve("summary.json").toFile());
    List<String> later = new ArrayList<>();
    boolean after = false;
    for (JsonNode l : keras.get("layers")) {
      if (after && l.get("params").asLong() > 0) {
        later.add(l.get("name").asText());
      }
      after |= l.get("name").asText().equals(layer);
      if (l.get("name").asText().equals(layer)) {
        List<Long> shape = new ArrayList<>();
        l.get("output_shape").forEach(d -> shape.add(d.isNull() ? -1 : d.asLong()));
        List<Long> recorded = new ArrayList<>();
        manifest.at("/baseModel/outputShape").forEach(d -> recorded.add(d.asLong()));
        assertEquals(shape, recorded, "the head sits on " + layer);
      }
    }
    SavedModel saved;
    try (InputStream in = Files.newInputStream(export.resolve("saved_model.pb"))) {
      saved = SavedModel.parseFrom(in);
    }
    // Variables are named after their Keras layer ("conv5_block3_3_conv.kernel"): none of a later layer may remain.
    List<String> kept = saved.getMetaGraphs(0).getGraphDef().getNodeList().stream()
        .filter(n -> n.getOp().equals("VariableV2")).map(n -> n.getName()).toList();
    assertFalse(later.isEmpty());
    for (String name : later) {
      assertTrue(kept.stream().noneMatch(v -> v.startsWith(name + ".")), "the export still holds layer " + name);
    }
  }
}
