package org.finetune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.finetune.testing.ColourImages;
import org.finetune.testing.Fixtures;
import org.finetune.testing.SavedModels;
import org.finetune.testing.TestFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each kind of bad input gets one clear line naming the problem, a documented non-zero exit code,
 * and leaves the output directory as it was.
 */
class BadInputTest {

  @TempDir static Path shared;
  static Path data;
  static Path model;

  @TempDir Path work;

  @BeforeAll
  static void setUp() throws IOException {
    data = ColourImages.write(shared.resolve("colours"), 4, 40, 40, 3);
    model = Fixtures.model("mobilenet_v2-keras3-export");
  }

  /** Runs train with small settings; an option in {@code extra} replaces the default of the same name. */
  private CliRun train(Path model, Path data, String... extra) {
    List<String> args = new java.util.ArrayList<>(List.of("train", "--model", model.toString(), "--data", data.toString(),
        "--out", work.resolve("out").toString()));
    java.util.Map<String, String> defaults = new java.util.LinkedHashMap<>(
        java.util.Map.of("--epochs", "1", "--batch-size", "4", "--dense", "8"));
    for (int i = 0; i < extra.length; i++) {
      defaults.remove(extra[i]);
    }
    defaults.forEach((k, v) -> args.addAll(List.of(k, v)));
    args.addAll(List.of(extra));
    return CliRun.of(args.toArray(String[]::new));
  }

  private void assertFails(CliRun run, int exitCode, String message) {
    assertEquals(exitCode, run.exitCode(), run.err());
    assertEquals("error: " + message, run.errorLines());
    assertFalse(run.err().contains("\tat "), "no stack trace: " + run.err());
    assertFalse(Files.exists(work.resolve("out").resolve("1")), "nothing exported");
  }

  @Test
  void missingModelDirectory() {
    Path missing = work.resolve("nope");
    assertFails(train(missing, data), 3, "Model directory not found: " + missing);
  }

  @Test
  void directoryThatIsNotASavedModel() {
    assertFails(train(data, data), 3, "Not a SavedModel: " + data + " has no saved_model.pb");
  }

  @Test
  void corruptSavedModelFile() throws IOException {
    Path broken = Files.createDirectories(work.resolve("broken"));
    Files.write(broken.resolve("saved_model.pb"), new byte[] {1, 2, 3, 4, 5});
    CliRun run = train(broken, data);
    assertEquals(3, run.exitCode());
    assertTrue(run.errorLines().startsWith("error: Not a SavedModel: cannot parse " + broken.resolve("saved_model.pb")), run.err());
  }

  @Test
  void noServingDefaultSignature() throws IOException {
    Path renamed = SavedModels.withSignatureRenamed(model, work.resolve("renamed"), "serving_default", "predict_images");
    assertFails(train(renamed, data), 3, "Model " + renamed + " has no 'serving_default' signature; it has [predict_images]");
  }

  @Test
  void twoInputs() {
    Path two = Fixtures.model("bad-two-inputs");
    CliRun run = train(two, data);
    assertEquals(3, run.exitCode());
    assertTrue(run.errorLines().startsWith("error: Model " + two + ": expected one image input in 'serving_default', found 2"), run.err());
  }

  @Test
  void nonImageInput() {
    Path vector = Fixtures.model("bad-vector-input");
    CliRun run = train(vector, data);
    assertEquals(3, run.exitCode());
    assertTrue(run.errorLines().matches("error: Model .*: expected a 4-D float32 image input \\[batch, height, width, channels\\]"
        + " with known height, width and channels, found '.*' float32 \\(None, 10\\)"), run.err());
  }

  @Test
  void dynamicSpatialSize() {
    Path dynamic = Fixtures.model("bad-dynamic-size");
    CliRun run = train(dynamic, data);
    assertEquals(3, run.exitCode());
    assertTrue(run.errorLines().endsWith("float32 (None, None, None, 3)"), run.err());
  }

  @Test
  void fewerThanTwoClasses() throws IOException {
    Path one = work.resolve("one");
    Files.createDirectories(one);
    Files.copy(data.resolve("red").resolve("0.png"), Files.createDirectories(one.resolve("red")).resolve("0.png"));
    CliRun run = train(model, one);
    assertEquals(4, run.exitCode(), run.err());
    assertTrue(run.errorLines().contains("class"), run.err());
  }

  @Test
  void emptyClassFolder() throws IOException {
    Path withEmpty = TestFiles.copyTree(data, work.resolve("with-empty"));
    Files.createDirectories(withEmpty.resolve("yellow"));
    CliRun run = train(model, withEmpty);
    assertEquals(4, run.exitCode(), run.err());
    assertTrue(run.errorLines().contains("yellow"), run.err());
  }

  @Test
  void unknownPreprocessing() {
    CliRun run = train(model, data, "--preprocess", "inceptionv9");
    assertEquals(2, run.exitCode(), run.err());
    assertTrue(run.errorLines().startsWith("error: unknown preprocessing 'inceptionv9': expected one of caffe, tf, torch, none, vgg16"), run.err());
  }

  @Test
  void nonPositiveNumbers() {
    assertFails(train(model, data, "--epochs", "0"), 2, "--epochs must be a positive integer, got 0");
    assertFails(train(model, data, "--batch-size", "-1"), 2, "--batch-size must be a positive integer, got -1");
    assertFails(train(model, data, "--learning-rate", "0"), 2, "--learning-rate must be a positive number, got 0.0");
  }

  @Test
  void notANumber() {
    CliRun run = train(model, data, "--epochs", "ten");
    assertEquals(2, run.exitCode());
    assertTrue(run.errorLines().startsWith("error: Invalid value for option '--epochs': 'ten' is not an int"), run.err());
  }

  @Test
  void existingExportVersion() throws IOException {
    Path existing = Files.createDirectories(work.resolve("out").resolve("1"));
    Files.writeString(existing.resolve("keep.txt"), "served");
    CliRun run = train(model, data, "--export-version", "1");
    assertEquals(5, run.exitCode(), run.err());
    assertTrue(run.errorLines().startsWith("error: Export version 1 already exists in " + work.resolve("out")), run.err());
    assertEquals(List.of("keep.txt"), list(existing), "the existing version is untouched");
  }

  @Test
  void strategyLayersAreCheckedBeforeTraining() {
    CliRun unknown = train(model, data, "--strategy", "cut", "--at", "block_99");
    assertEquals(2, unknown.exitCode(), unknown.err());
    assertTrue(unknown.errorLines().startsWith("error: Unknown layer 'block_99'; the base's layers are: Conv1, bn_Conv1,"), unknown.err());
    assertFails(train(model, data, "--strategy", "cut", "--at", "keras_tensor"), 2,
        "Cannot cut at the input 'keras_tensor': nothing of the base would remain; cut at a later layer");
    assertFails(train(model, data, "--strategy", "cut", "--at", "out_relu"), 2,
        "Layer 'out_relu' is the base's output: cutting there keeps the whole base; use --strategy freeze");
    assertFails(train(model, data, "--strategy", "unfreeze", "--top", "500"), 2,
        "--top 500 exceeds the 52 layers of the base with weights to train (BatchNormalization layers excluded; see --train-batchnorm)");
    CliRun unknownFrom = train(model, data, "--strategy", "unfreeze", "--from", "nope");
    assertTrue(unknownFrom.errorLines().startsWith("error: Unknown layer 'nope'"), unknownFrom.err());
  }

  @Test
  void strategyOptionsMustFitTheStrategy() {
    assertFails(train(model, data, "--fine-tune-epochs", "3"), 2,
        "--fine-tune-epochs, --fine-tune-learning-rate and --train-batchnorm set phase 2, which only --strategy unfreeze"
            + " and full have; --strategy freeze trains the head alone");
    assertFails(train(model, data, "--strategy", "cut", "--at", "block_8_add", "--train-batchnorm"), 2,
        "--fine-tune-epochs, --fine-tune-learning-rate and --train-batchnorm set phase 2, which only --strategy unfreeze"
            + " and full have; --strategy cut trains the head alone");
    assertFails(train(model, data, "--strategy", "unfreeze", "--at", "block_8_add"), 2,
        "--at LAYER is for --strategy cut, not unfreeze");
    assertFails(train(model, data, "--strategy", "unfreeze"), 2,
        "--strategy unfreeze needs exactly one of --from LAYER or --top N");
    assertFails(train(model, data, "--strategy", "cut"), 2,
        "--strategy cut needs --at LAYER, the last layer of the base to keep");
    assertFails(train(model, data, "--strategy", "full", "--fine-tune-epochs", "0"), 2,
        "--fine-tune-epochs must be a positive integer, got 0");
    assertFails(train(model, data, "--strategy", "sideways"), 2,
        "Unknown strategy 'sideways'; expected one of [freeze, cut, unfreeze, full]");
  }

  @Test
  void corruptImageIsSkippedWithAWarningOrStopsTheRunUnderStrict() throws IOException {
    Path withBad = TestFiles.copyTree(data, work.resolve("with-bad"));
    Path bad = withBad.resolve("red").resolve("broken.png");
    Files.write(bad, new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0});

    CliRun strict = train(model, withBad, "--strict");
    assertEquals(4, strict.exitCode(), strict.err());
    assertTrue(strict.errorLines().contains(bad.toString()), strict.err());
    assertFalse(Files.exists(work.resolve("out").resolve("1")));

    CliRun lenient = train(model, withBad, "--val-split", "0");
    assertEquals(0, lenient.exitCode(), lenient.err());
    assertTrue(lenient.err().contains("warning: skipped unreadable image " + bad), lenient.err());
    assertTrue(lenient.out().contains("Skipped unreadable images: 1"), lenient.out());
    assertTrue(Files.exists(work.resolve("out").resolve("1").resolve("saved_model.pb")));
  }

  private static List<String> list(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
