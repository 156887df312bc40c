package org.finetune.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.finetune.testing.Fixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The layers recovered from the rebuilt graph are Keras' own: for every fixture, the same names
 * in the same order, with the same class, output shape and parameter counts as Keras' summary
 * ({@code summary.json}, written by scripts/export_keras_model.py).
 */
class LayerSummaryTest {

  static Stream<String> fixtures() {
    return Fixtures.all().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void layersMatchKerasSummary(String fixture) throws Exception {
    JsonNode keras = new ObjectMapper().readTree(Fixtures.dir(fixture).resolve("summary.json").toFile());
    BaseNetwork network = BaseNetwork.load(Fixtures.model(fixture));

    assertEquals(keras.get("total_params").asLong(), network.totalParams(), "total params");
    assertEquals(keras.get("trainable_params").asLong(), network.trainableParams(), "trainable params");
    assertEquals(rows(keras), network.layers().stream().map(LayerSummaryTest::row).toList());
  }

  private static List<String> rows(JsonNode keras) {
    List<String> rows = new ArrayList<>();
    for (JsonNode layer : keras.get("layers")) {
      List<Long> shape = new ArrayList<>();
      layer.get("output_shape").forEach(d -> shape.add(d.isNull() ? -1 : d.asLong()));
      rows.add(String.join(" ", layer.get("name").asText(), layer.get("class_name").asText(), shape.toString(),
          layer.get("params").asText(), layer.get("trainable_params").asText()));
    }
    return rows;
  }

  private static String row(LayerInfo layer) {
    List<Long> shape = new ArrayList<>();
    for (long d : layer.outputShape()) {
      shape.add(d);
    }
    return String.join(" ", layer.name(), layer.type(), shape.toString(), Long.toString(layer.params()),
        Long.toString(layer.trainableParams()));
  }
}
