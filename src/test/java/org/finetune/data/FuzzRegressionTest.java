package org.finetune.data;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replays, without the fuzzer, what the fuzz targets must survive: the inputs saved under
 * {@code src/test/resources/fuzz-regressions/<target>/} (each one made a target fail once, or is
 * a hostile input worth keeping) and the seed corpus of {@link FuzzSeeds}. A target fails on any
 * exception but FineTuneException, so each replay passes only if every input gets a clear refusal
 * or a result. The fuzzing itself is {@code scripts/fuzz.sh}, not part of the build.
 */
class FuzzRegressionTest {

  static final Path REGRESSIONS = Path.of("src", "test", "resources", "fuzz-regressions");

  static final Map<String, Consumer<byte[]>> TARGETS =
      Map.of(
          "ArchiveFuzzTarget", ArchiveFuzzTarget::fuzzerTestOneInput,
          "ImageFuzzTarget", ImageFuzzTarget::fuzzerTestOneInput,
          "ImageHeaderFuzzTarget", ImageHeaderFuzzTarget::fuzzerTestOneInput);

  @TempDir static Path tmp;

  @TestFactory
  Stream<DynamicTest> savedInputsAndSeeds() throws IOException {
    List<DynamicTest> tests = new ArrayList<>();
    for (var target : TARGETS.entrySet()) {
      Path dir = REGRESSIONS.resolve(target.getKey());
      if (Files.isDirectory(dir)) {
        try (Stream<Path> files = Files.list(dir)) {
          for (Path file : files.sorted().toList()) {
            byte[] input = Files.readAllBytes(file);
            tests.add(DynamicTest.dynamicTest(target.getKey() + " " + file.getFileName(),
                () -> assertDoesNotThrow(() -> target.getValue().accept(input))));
          }
        }
      }
      Map<String, byte[]> seeds = target.getKey().equals("ArchiveFuzzTarget") ? FuzzSeeds.archives(tmp) : FuzzSeeds.images();
      seeds.forEach((name, input) -> tests.add(DynamicTest.dynamicTest(target.getKey() + " seed " + name,
          () -> assertDoesNotThrow(() -> target.getValue().accept(input)))));
    }
    assertTrue(tests.size() >= 20, "inputs found: " + tests.size());
    return tests.stream();
  }
}
