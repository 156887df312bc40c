package org.finetune.head;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.finetune.error.FineTuneException;
import org.finetune.head.HeadLayer.Activation;
import org.junit.jupiter.api.Test;

class HeadSpecTest {

  private static final HeadConfig EXPECTED = new HeadConfig(
      Pooling.AVG,
      List.of(new HeadLayer.Dense(256, Activation.RELU), new HeadLayer.BatchNorm(), new HeadLayer.Dropout(0.3),
          new HeadLayer.Dense(64, Activation.TANH)),
      1e-4, 0.1);

  private static final String JSON = """
      {"pooling": "global_avg",
       "layers": [{"type": "dense", "units": 256, "activation": "relu"},
                  {"type": "batch_norm"},
                  {"type": "dropout", "rate": 0.3},
                  {"type": "dense", "units": 64, "activation": "tanh"}],
       "l2": 0.0001, "label_smoothing": 0.1}
      """;

  @Test
  void jsonAndOneLineDescribeTheSameHead() {
    assertEquals(EXPECTED, HeadSpec.fromJson(JSON, "spec.json"));
    assertEquals(EXPECTED, HeadSpec.fromLine("global_avg, dense(256, relu), batch_norm, dropout(0.3), dense(64,tanh)", 1e-4, 0.1));
    assertEquals("global_avg -> dense(256, relu) -> batch_norm -> dropout(0.3) -> dense(64, tanh) -> dense(4, softmax)"
        + " (l2 1.0E-4, label smoothing 0.1)", EXPECTED.describe(4));
  }

  @Test
  void writtenJsonReadsBackAsTheSameHead() throws Exception {
    String written = new ObjectMapper().writeValueAsString(HeadSpec.toJson(EXPECTED));
    assertEquals(EXPECTED, HeadSpec.fromJson(written, "finetune.json"));
    assertEquals(HeadConfig.DEFAULT,
        HeadSpec.fromJson(new ObjectMapper().writeValueAsString(HeadSpec.toJson(HeadConfig.DEFAULT)), "x"));
  }

  @Test
  void denseActivationDefaultsToReluAndAnEmptyHeadIsLogisticRegression() {
    assertEquals(new HeadConfig(Pooling.FLATTEN, List.of(new HeadLayer.Dense(8, Activation.RELU)), 0, 0),
        HeadSpec.fromJson("{\"pooling\": \"flatten\", \"layers\": [{\"type\": \"dense\", \"units\": 8}]}", "s"));
    assertEquals(new HeadConfig(Pooling.MAX, List.of(), 0, 0), HeadSpec.fromLine("global_max", 0, 0));
  }

  @Test
  void malformedJsonNamesLineAndColumn() {
    String message = error(() -> HeadSpec.fromJson("{\"pooling\": \"flatten\",\n \"layers\": [}", "head.json"));
    assertEquals(true, message.startsWith("head.json is not valid JSON at line 2, column 13: "), message);
  }

  @Test
  void eachBadFieldIsNamedWithWhatWasExpected() {
    assertEquals("s field \"pooling\" must be \"flatten\", \"global_avg\" or \"global_max\", found nothing",
        error(() -> HeadSpec.fromJson("{\"layers\": []}", "s")));
    assertEquals("s: field \"pooling\": Unknown pooling 'mean'; expected one of [flatten, global_avg, global_max]",
        error(() -> HeadSpec.fromJson("{\"pooling\": \"mean\", \"layers\": []}", "s")));
    assertEquals("s field \"layers\" must be an array of layers (empty for none), found object {}",
        error(() -> HeadSpec.fromJson("{\"pooling\": \"flatten\", \"layers\": {}}", "s")));
    assertEquals("s layers[1].units must be a whole number >= 1, found number 0",
        error(() -> HeadSpec.fromJson(layers("{\"type\": \"dropout\", \"rate\": 0.1}, {\"type\": \"dense\", \"units\": 0}"), "s")));
    assertEquals("s layers[0].units must be a whole number >= 1, found number 2.5",
        error(() -> HeadSpec.fromJson(layers("{\"type\": \"dense\", \"units\": 2.5}"), "s")));
    assertEquals("s layers[0].rate must be a number in [0, 1), found number 1.5",
        error(() -> HeadSpec.fromJson(layers("{\"type\": \"dropout\", \"rate\": 1.5}"), "s")));
    assertEquals("s layers[0].type must be \"dense\", \"dropout\" or \"batch_norm\", found \"conv2d\"",
        error(() -> HeadSpec.fromJson(layers("{\"type\": \"conv2d\"}"), "s")));
    assertEquals("s layers[0] has an unknown field \"unit\"; a dense layer takes [type, units, activation]",
        error(() -> HeadSpec.fromJson(layers("{\"type\": \"dense\", \"unit\": 8}"), "s")));
    assertEquals("s: layers[0].activation: unknown activation 'gelu'; expected one of"
            + " [linear, relu, relu6, elu, selu, sigmoid, tanh, swish]",
        error(() -> HeadSpec.fromJson(layers("{\"type\": \"dense\", \"units\": 8, \"activation\": \"gelu\"}"), "s")));
    assertEquals("s has an unknown field \"dropout\"; expected [pooling, layers, l2, label_smoothing]",
        error(() -> HeadSpec.fromJson("{\"pooling\": \"flatten\", \"layers\": [], \"dropout\": 0.5}", "s")));
    assertEquals("s: label smoothing must be in [0, 1), found 1.0",
        error(() -> HeadSpec.fromJson("{\"pooling\": \"flatten\", \"layers\": [], \"label_smoothing\": 1}", "s")));
    assertEquals("s must be a JSON object with \"pooling\" and \"layers\", found array []",
        error(() -> HeadSpec.fromJson("[]", "s")));
  }

  @Test
  void eachBadItemOfTheLineIsNamed() {
    assertEquals("--head 'global_avg,dense(x)': item 2 'dense(x)': UNITS must be a whole number, found 'x'",
        error(() -> HeadSpec.fromLine("global_avg,dense(x)", 0, 0)));
    assertEquals("--head 'flatten,dropout(2)': item 2 'dropout(2)': dropout rate must be in [0, 1), found 2.0",
        error(() -> HeadSpec.fromLine("flatten,dropout(2)", 0, 0)));
    assertEquals("--head 'dense(8)': item 1: Unknown pooling 'dense(8)'; expected one of [flatten, global_avg, global_max]",
        error(() -> HeadSpec.fromLine("dense(8)", 0, 0)));
    assertEquals("--head 'flatten,global_avg': item 2 'global_avg': unknown layer 'global_avg'; expected dense, dropout"
        + " or batch_norm (the pooling comes first, once)", error(() -> HeadSpec.fromLine("flatten,global_avg", 0, 0)));
    assertEquals("--head 'flatten,batch_norm(1)': item 2 'batch_norm(1)': batch_norm takes no arguments",
        error(() -> HeadSpec.fromLine("flatten,batch_norm(1)", 0, 0)));
    assertEquals("--head 'flatten,dense(8,relu,1)': item 2 'dense(8,relu,1)': expected dense(UNITS) or dense(UNITS, ACTIVATION)",
        error(() -> HeadSpec.fromLine("flatten,dense(8,relu,1)", 0, 0)));
  }

  private static String layers(String items) {
    return "{\"pooling\": \"flatten\", \"layers\": [" + items + "]}";
  }

  private static String error(org.junit.jupiter.api.function.Executable parse) {
    FineTuneException e = assertThrows(FineTuneException.class, parse);
    assertEquals(FineTuneException.Kind.BAD_OPTION, e.kind());
    return e.getMessage();
  }
}
