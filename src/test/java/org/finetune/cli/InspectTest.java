package org.finetune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code inspect} prints the signature, a Keras-style layer table and the totals. */
class InspectTest {

  @Test
  void showsSignatureLayersAndTotalsOfTheShippedModel() {
    CliRun run = CliRun.of("inspect", "--model", "models/mobilenetv2-0.35-mnist04");
    assertEquals(0, run.exitCode(), run.err());
    String out = run.out();
    assertTrue(out.contains("Signature 'serving_default' (method tensorflow/serving/predict)"), out);
    assertTrue(out.matches("(?s).*input  keras_tensor\\s+float32\\s+\\(None, 32, 32, 3\\).*"), out);
    assertTrue(out.matches("(?s).*output output_0\\s+float32\\s+\\(None, 1, 1, 1280\\).*"), out);
    assertTrue(out.matches("(?s).*Conv1 \\(Conv2D\\)\\s+\\(None, 16, 16, 16\\)\\s+432\\n.*"), out);
    assertTrue(out.matches("(?s).*out_relu \\(ReLU\\)\\s+\\(None, 1, 1, 1280\\)\\s+0\\n.*"), out);
    assertTrue(out.contains("Total params: 410,208"), out);
    assertTrue(out.contains("Trainable params: 396,128"), out);
    assertTrue(out.contains("Non-trainable params: 14,080"), out);
    assertTrue(out.contains("Preprocessing: mobilenet_v2 -> tf (pixels scaled to [-1, 1]), guessed from the layer names"), out);
  }
}
