package org.finetune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo, as {@code mvn -q exec:java} runs it: pre-training on digits 0-4 must clearly help on 5-9. */
class DemoTest {

  private static final Pattern ROW =
      Pattern.compile("(?m)^(\\S.*?)( \\*)?\\s+(pre-trained|random)\\s+([0-9.]+)\\s+[0-9.]+s$");

  @Test
  void everyStrategyRunsAndPreTrainingHelpsClearly(@TempDir Path out) throws Exception {
    CliRun run = CliRun.of("demo", "--out", out.toString());
    assertEquals(0, run.exitCode(), run.err());
    Matcher m = ROW.matcher(run.out());
    java.util.Map<String, Double> accuracy = new java.util.LinkedHashMap<>();
    String recommended = null;
    while (m.find()) {
      String key = m.group(1).trim() + " / " + m.group(3);
      accuracy.put(key, Double.parseDouble(m.group(4)));
      if (m.group(2) != null) {
        recommended = key;
      }
    }
    assertEquals(5, accuracy.size(), run.out());
    assertTrue(accuracy.keySet().stream().anyMatch(k -> k.startsWith("cut --at ")), run.out());
    assertTrue(accuracy.containsKey("full / pre-trained") && accuracy.keySet().stream().anyMatch(k -> k.startsWith("unfreeze")));
    double pretrained = accuracy.get("freeze / pre-trained");
    double random = accuracy.get("freeze / random");
    assertTrue(pretrained >= 0.55, "pre-trained test accuracy " + pretrained + "\n" + run.out());
    assertTrue(pretrained - random >= 0.25, "pre-trained " + pretrained + " vs random " + random);
    assertTrue(run.out().contains("recommend: small and different -> cut --at "), run.out());
    assertTrue(recommended != null && accuracy.get(recommended) >= pretrained, "recommended " + recommended + ": " + accuracy);
    assertTrue(run.out().contains("Exported the recommended model to " + out.resolve("1")), run.out());
    assertTrue(Files.exists(out.resolve("1").resolve("saved_model.pb")));

    Path seven;
    try (var files = Files.list(Path.of("data", "digits-5-9", "test", "7"))) {
      seven = files.sorted().findFirst().orElseThrow();
    }
    CliRun predict = CliRun.of("predict", "--model", out.toString(), "--top-k", "2", seven.toString());
    assertEquals(0, predict.exitCode(), predict.err());
    String[] lines = predict.out().split("\\R");
    assertEquals(3, lines.length, predict.out());
    assertEquals(seven.toString(), lines[0]);
    double first = Double.parseDouble(lines[1].trim().split("\\s+")[1]);
    double second = Double.parseDouble(lines[2].trim().split("\\s+")[1]);
    assertTrue(first >= second && first + second <= 1.0001, predict.out());
    assertTrue(lines[1].trim().matches("[5-9]\\s+[0-9.]+"), predict.out());
  }
}
