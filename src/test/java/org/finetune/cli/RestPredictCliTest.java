package org.finetune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.finetune.FineTuneRequest;
import org.finetune.FineTuner;
import org.finetune.head.HeadConfig;
import org.finetune.head.Pooling;
import org.finetune.train.TrainingConfig;
import org.finetune.train.TrainingListener;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code predict --request}: the response JSON on stdout (or {@code --response}), and for a bad
 * request TF Serving's error body there, one {@code error:} line on stderr and exit 4.
 */
class RestPredictCliTest {

  static final ObjectMapper JSON = new ObjectMapper();
  static final String ZEROS = "[" + ("[" + "[0, 0, 0], ".repeat(31) + "[0, 0, 0]], ").repeat(31) + "[" + "[0, 0, 0], ".repeat(31) + "[0, 0, 0]]]";

  @TempDir static Path shared;
  static Path export;

  @TempDir Path work;

  @BeforeAll
  static void exportOnce() {
    FineTuneRequest request = FineTuneRequest.builder().model(Path.of("models", "mobilenetv2-0.35-mnist04"))
        .data(Path.of("data", "digits-5-9", "train")).output(shared.resolve("serving"))
        .head(new HeadConfig(Pooling.AVG, 8, 0.5)).training(TrainingConfig.builder().epochs(1).batchSize(32).build())
        .useCache(false).build();
    export = FineTuner.run(request, TrainingListener.NONE).exportDir();
  }

  CliRun predict(String body) throws Exception {
    Path file = work.resolve("request.json");
    Files.writeString(file, body);
    return CliRun.of("predict", "--model", export.getParent().toString(), "--request", file.toString());
  }

  void refused(String body, String servingError, String errorLine) throws Exception {
    CliRun run = predict(body);
    assertEquals(4, run.exitCode(), run.err());
    assertEquals("error: request " + work.resolve("request.json") + ": " + errorLine, run.errorLines());
    assertEquals(1, run.err().lines().count(), run.err());
    assertFalse(run.err().contains("\tat "));
    assertEquals(servingError, JSON.readTree(run.out()).get("error").asText());
  }

  @Test
  void answersTheRowFormatOnStdout() throws Exception {
    CliRun run = predict("{\"instances\": [" + ZEROS + ", " + ZEROS + "]}");
    assertEquals(0, run.exitCode(), run.err());
    JsonNode predictions = JSON.readTree(run.out()).get("predictions");
    assertEquals(2, predictions.size());
    assertEquals(5, predictions.get(0).get("probabilities").size());
    double sum = 0;
    for (JsonNode p : predictions.get(0).get("probabilities")) {
      sum += p.asDouble();
    }
    assertEquals(1.0, sum, 1e-5);
    assertTrue(predictions.get(0).get("class_ids").isIntegralNumber());
    assertTrue(run.out().startsWith("{\n    \"predictions\": [\n        {\n            \"class_ids\": "), run.out());
  }

  @Test
  void readsStdinAndWritesResponseFile() throws Exception {
    InputStream stdin = System.in;
    Path response = work.resolve("response.json");
    CliRun run;
    try {
      System.setIn(new ByteArrayInputStream(("{\"inputs\": [" + ZEROS + "]}").getBytes(StandardCharsets.UTF_8)));
      run = CliRun.of("predict", "--model", export.toString(), "--request", "-", "--response", response.toString());
    } finally {
      System.setIn(stdin);
    }
    assertEquals(0, run.exitCode(), run.err());
    assertEquals("", run.out());
    JsonNode outputs = JSON.readTree(response.toFile()).get("outputs");
    assertEquals(1, outputs.get("class_ids").size());
    assertEquals(5, outputs.get("probabilities").get(0).size());
  }

  @Test
  void malformedJson() throws Exception {
    refused("{\"instances\": [1 2]}",
        "JSON Parse error: Unexpected character ('2' (code 50)): was expecting comma to separate Array entries at offset: 17",
        "the request is not valid JSON: Unexpected character ('2' (code 50)): was expecting comma to separate Array entries at line 1, column 18 (offset 17)");
  }

  @Test
  void bothOrNeitherOfInstancesAndInputs() throws Exception {
    refused("{\"instances\": [1], \"inputs\": [1]}",
        "JSON Value: {\n    \"instances\": [\n        1\n    ],\n    \"inputs\": [\n        1\n    ]\n} Not formatted correctly expecting only one of 'inputs' or 'instances' keys to exist ",
        "the request has both \"instances\" (row format) and \"inputs\" (columnar format); send exactly one of them");
    refused("{\"instance\": [1]}", "Missing 'inputs' or 'instances' key",
        "the request has neither \"instances\" (row format) nor \"inputs\" (columnar format); send exactly one of them");
  }

  @Test
  void unknownInputName() throws Exception {
    refused("{\"instances\": [{\"image\": " + ZEROS + "}]}",
        "Failed to process element: 0 key: image of 'instances' list. Error: INVALID_ARGUMENT: JSON object: does not have named input: image",
        "instance 0, input 'image': the signature has no input 'image'; its inputs are [images]");
  }

  @Test
  void raggedInstances() throws Exception {
    refused("{\"instances\": [" + ZEROS + ", [[0, 0, 0]]]}",
        "Failed to process element: 1 of 'instances' list. Error: INVALID_ARGUMENT: Expecting tensor size: 3072 but got: 3",
        "instance 1: ragged instances: this one has shape [1,3] (3 values) but instance 0 has [32,32,3] (3072 values)");
  }

  @Test
  void wrongShape() throws Exception {
    refused("{\"instances\": [[[0, 0, 0]]]}",
        "Input 'images' takes shape [-1,32,32,3] (-1: any size) of float, but the request gives [1,1,3] (1 instance of [1,3])",
        "wrong shape: input 'images' takes shape [-1,32,32,3] (-1: any size) of float, but the request gives [1,1,3] (1 instance of [1,3])");
  }

  @Test
  void unknownSignature() throws Exception {
    refused("{\"signature_name\": \"classify\", \"instances\": [" + ZEROS + "]}",
        "Serving signature name: \"classify\" not found in signature def",
        "the export has no signature 'classify' (signature_name); it has [serving_default]");
  }

  @Test
  void missingRequestFileAndMixedModes() throws Exception {
    CliRun missing = CliRun.of("predict", "--model", export.toString(), "--request", work.resolve("nope.json").toString());
    assertEquals(4, missing.exitCode());
    assertEquals("error: Request file not found: " + work.resolve("nope.json"), missing.errorLines());
    CliRun both = CliRun.of("predict", "--model", export.toString(), "--request", "x.json", "data/digits-5-9/test/7/0001.png");
    assertEquals(2, both.exitCode());
    assertEquals("error: give either image files or --request, not both", both.errorLines());
  }
}
