package org.finetune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.finetune.FineTuneRequest;
import org.finetune.FineTuner;
import org.finetune.data.Dataset;
import org.finetune.head.HeadConfig;
import org.finetune.head.Pooling;
import org.finetune.testing.SavedModels;
import org.finetune.testing.TestFiles;
import org.finetune.train.TrainingConfig;
import org.finetune.train.TrainingListener;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Missing and unreadable paths for train and predict: one line each, the documented exit code,
 * nothing written. Tests run as root, for whom permission bits mean nothing, so an unreadable file
 * is a link to /proc/self/mem (reading it fails with an I/O error for everyone) and an unusable
 * non-file a pipe.
 */
class BadPathsTest {

  static final Path MODEL = Path.of("models", "mobilenetv2-0.35-mnist04");
  static final Path DATA = Path.of("data", "digits-5-9", "train");
  static final Path SEVEN = Path.of("data", "digits-5-9", "test", "7", "0001.png");

  @TempDir static Path shared;
  static Path export;

  @TempDir Path work;

  @BeforeAll
  static void exportOnce() {
    FineTuneRequest request = FineTuneRequest.builder().model(MODEL).data(DATA).output(shared.resolve("serving"))
        .head(new HeadConfig(Pooling.AVG, 8, 0.5)).training(TrainingConfig.builder().epochs(1).batchSize(32).build())
        .useCache(false).build();
    export = FineTuner.run(request, TrainingListener.NONE).exportDir();
  }

  private CliRun train(Path model, Path data) {
    return CliRun.of("train", "--model", model.toString(), "--data", data.toString(), "--out", work.resolve("out").toString(),
        "--epochs", "1", "--dense", "8", "--no-cache");
  }

  private CliRun predict(Path exportDir, Path... images) {
    List<String> args = new java.util.ArrayList<>(List.of("predict", "--model", exportDir.toString()));
    for (Path image : images) {
      args.add(image.toString());
    }
    return CliRun.of(args.toArray(String[]::new));
  }

  private void assertFails(CliRun run, int exitCode, String message) {
    assertEquals(exitCode, run.exitCode(), run.err());
    assertEquals("error: " + message, run.errorLines());
    assertFalse(run.err().contains("\tat "), "no stack trace: " + run.err());
    assertFalse(Files.exists(work.resolve("out")), "nothing written");
  }

  private Path unreadable(String name) throws IOException {
    return Files.createSymbolicLink(work.resolve(name), Path.of("/proc/self/mem"));
  }

  private Path fifo(String name) throws Exception {
    Path pipe = work.resolve(name);
    assertEquals(0, new ProcessBuilder("mkfifo", pipe.toString()).inheritIO().start().waitFor());
    return pipe;
  }

  // --- the base model

  @Test
  void modelPathThatIsAFile() {
    assertFails(train(SEVEN, DATA), 3,
        "Model path is not a directory: " + SEVEN + " (expected a SavedModel directory holding saved_model.pb)");
  }

  @Test
  void savedModelFileThatCannotBeRead() throws IOException {
    Path model = TestFiles.copyTree(MODEL, work.resolve("model"));
    Files.delete(model.resolve("saved_model.pb"));
    Files.createSymbolicLink(model.resolve("saved_model.pb"), Path.of("/proc/self/mem"));
    assertFails(train(model, DATA), 3, "Cannot read " + model.resolve("saved_model.pb") + ": Input/output error");
  }

  @Test
  void savedModelWithoutItsVariables() throws IOException {
    Path model = TestFiles.copyTree(MODEL, work.resolve("model"));
    Files.delete(model.resolve("variables").resolve("variables.index"));
    assertFails(train(model, DATA), 3, "Not a complete SavedModel: " + model + " has no variables/variables.index");
  }

  @Test
  void savedModelWithTruncatedVariables() throws IOException {
    Path model = TestFiles.copyTree(MODEL, work.resolve("model"));
    Path index = model.resolve("variables").resolve("variables.index");
    Files.write(index, java.util.Arrays.copyOf(Files.readAllBytes(index), 100));
    CliRun run = train(model, DATA);
    assertEquals(3, run.exitCode(), run.err());
    assertTrue(run.errorLines().startsWith("error: Cannot read the object graph of the checkpoint "
        + model.resolve("variables").resolve("variables") + ": "), run.err());
    assertFalse(run.err().contains("\tat "), run.err());
  }

  @Test
  void inputOfUnknownRank() throws IOException {
    Path model = SavedModels.withInputOfUnknownRank(MODEL, work.resolve("model"));
    CliRun run = train(model, DATA);
    assertEquals(3, run.exitCode(), run.err());
    assertTrue(run.errorLines().matches("error: Model " + model + ": expected a 4-D float32 image input \\[batch, height,"
        + " width, channels\\] with known height, width and channels, found '.*' float32 <unknown rank>"), run.err());
  }

  // --- the data set

  @Test
  void missingDataSet() {
    Path missing = work.resolve("photos");
    assertFails(train(MODEL, missing), 4, "data set " + missing + " does not exist; expected " + expectedLayout());
  }

  @Test
  void dataSetThatCannotBeRead() throws IOException {
    Path archive = unreadable("photos.tgz");
    assertFails(train(MODEL, archive), 4, "cannot read data set " + archive + ": Input/output error");
  }

  @Test
  void dataSetThatIsAPipe() throws Exception {
    Path pipe = fifo("photos.tgz");
    assertFails(train(MODEL, pipe), 4,
        "data set " + pipe + " is neither a folder nor a regular file (a pipe or device?); expected " + expectedLayout());
  }

  // --- predict

  @Test
  void missingExport() {
    Path missing = work.resolve("serving");
    assertFails(predict(missing, SEVEN), 3, "Export directory not found: " + missing);
  }

  @Test
  void directoryThatIsNoExport() {
    Path models = MODEL.getParent();
    assertFails(predict(models, SEVEN), 3,
        "Not an export: " + models + " holds neither saved_model.pb nor numbered version directories");
  }

  @Test
  void exportWithoutLabels() throws IOException {
    Path copy = TestFiles.copyTree(export, work.resolve("1"));
    Files.delete(copy.resolve("labels.txt"));
    assertFails(predict(copy, SEVEN), 3, "Not an export of this tool: " + copy + " has no labels.txt");
  }

  @Test
  void exportWithAMalformedManifest() throws IOException {
    Path copy = TestFiles.copyTree(export, work.resolve("1"));
    Files.writeString(copy.resolve("finetune.json"), "{\"formatVersion\": 1,");
    CliRun run = predict(copy, SEVEN);
    assertEquals(3, run.exitCode(), run.err());
    assertTrue(run.errorLines().startsWith("error: Not an export of this tool: cannot parse " + copy.resolve("finetune.json")
        + " (Unexpected end-of-input"), run.err());
    assertFalse(run.errorLines().contains("\n") || run.errorLines().contains("Source: "), run.errorLines());
  }

  @Test
  void exportWhoseManifestLacksTheInputShape() throws IOException {
    Path copy = TestFiles.copyTree(export, work.resolve("1"));
    Files.writeString(copy.resolve("finetune.json"), "{\"formatVersion\": 1, \"classNames\": [\"5\", \"6\"]}");
    assertFails(predict(copy, SEVEN), 3, "Not an export of this tool: " + copy.resolve("finetune.json")
        + " should give serving.inputShape as [batch, height, width, channels], found null");
  }

  @Test
  void missingImage() {
    Path missing = work.resolve("nope.png");
    assertFails(predict(export, missing), 4, "Image not found: " + missing);
  }

  @Test
  void imageThatIsADirectory() {
    assertFails(predict(export, work), 4, "Image " + work + " is a directory; expected an image file");
  }

  @Test
  void imageThatIsAPipe() throws Exception {
    Path pipe = fifo("pipe.png");
    assertFails(predict(export, pipe), 4, "Image " + pipe + " is not a regular file (a pipe or device?); expected an image file");
  }

  @Test
  void imageThatCannotBeRead() throws IOException {
    Path image = unreadable("mem.png");
    assertFails(predict(export, image), 4, "Cannot read image " + image + ": Input/output error");
  }

  @Test
  void imageThatIsNoImage() throws IOException {
    Path empty = Files.write(work.resolve("empty.png"), new byte[0]);
    assertFails(predict(export, SEVEN, empty), 4, "cannot use image " + empty + ": not a JPEG, PNG, GIF or BMP image (0 bytes)");
  }

  @Test
  void topKBelowOne() {
    assertFails(CliRun.of("predict", "--model", export.toString(), "--top-k", "0", SEVEN.toString()), 2,
        "--top-k must be >= 1, got 0");
  }

  private static String expectedLayout() {
    return "a folder with one sub-folder per class of .jpg, .jpeg, .png, .gif or .bmp images,"
        + " or a .tar.gz, .tgz, .tar or .zip archive of one";
  }
}
