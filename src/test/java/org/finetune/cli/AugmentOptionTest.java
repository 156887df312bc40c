package org.finetune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code train --augment SPEC}: a bad spec is one line naming the bad item and what was expected,
 * exit 2, before anything is loaded; a good one trains, notes why the cache is off, and is recorded
 * in the export's finetune.json.
 */
class AugmentOptionTest {

  @TempDir Path work;

  private CliRun train(String... options) {
    List<String> args = new ArrayList<>(List.of("train", "--model", BadOptionsTest.MODEL, "--data", BadOptionsTest.DATA,
        "--out", work.resolve("out").toString(), "--cache-dir", work.resolve("cache").toString()));
    args.addAll(List.of(options));
    return CliRun.of(args.toArray(String[]::new));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
    "flip=diagonal | --augment flip=diagonal: expected horizontal, vertical, horizontal_and_vertical or none",
    "flip=horizontal,rotation=2 | --augment rotation=2: expected a fraction of a full turn in [0, 1], or LOW:HIGH within [-1, 1]",
    "zoom=0.1,shear=0.3 | --augment shear=0.3: unknown item; expected default, flip=MODE, rotation=F, zoom=F, brightness=F or contrast=F (F a number or LOW:HIGH)",
    "brightness=lots | --augment brightness=lots: 'lots' is not a number; expected a number or LOW:HIGH",
  })
  void aBadSpecIsOneLineAndExitTwo(String spec, String message) {
    CliRun run = train("--augment", spec);
    assertEquals(2, run.exitCode(), run.err());
    assertEquals("error: " + message, run.errorLines());
    assertFalse(run.err().contains("\tat "), "no stack trace: " + run.err());
    assertFalse(run.err().contains("Epoch"), "nothing trained: " + run.err());
    assertFalse(Files.exists(work.resolve("out")), "nothing written");
  }

  @Test
  void aGoodSpecTrainsWithoutTheCacheAndIsRecorded() throws Exception {
    CliRun run = train("--epochs", "1", "--dense", "64", "--augment", "default,flip=none,brightness=0.2",
        "--augment", "contrast=0.1:0.3");
    assertEquals(0, run.exitCode(), run.err());
    assertTrue(run.err().contains("the feature cache is off: augmentation (rotation=0.1,zoom=0.1,brightness=0.2,contrast=0.1:0.3)"
        + " changes the training images, so the base's outputs differ in every epoch"), run.err());
    assertFalse(Files.exists(work.resolve("cache")), "nothing cached");
    JsonNode augmentation = new ObjectMapper().readTree(work.resolve("out/1/finetune.json").toFile())
        .get("hyperparameters").get("augmentation");
    assertEquals("rotation=0.1,zoom=0.1,brightness=0.2,contrast=0.1:0.3", augmentation.get("spec").asText());
    assertEquals("none", augmentation.get("flip").asText());
    assertEquals(-0.1, augmentation.get("rotation_factor").get(0).asDouble());
    assertEquals(0.2, augmentation.get("brightness_factor").get(1).asDouble());
    assertEquals(0.3, augmentation.get("contrast_factor").get(1).asDouble());
    assertEquals("reflect", augmentation.get("fill_mode").asText());
  }

  @Test
  void withoutTheOptionNothingIsAugmented() throws Exception {
    CliRun run = train("--epochs", "1", "--dense", "64", "--no-cache");
    assertEquals(0, run.exitCode(), run.err());
    JsonNode h = new ObjectMapper().readTree(work.resolve("out/1/finetune.json").toFile()).get("hyperparameters");
    assertEquals("none", h.get("augmentation").asText());
  }
}
