package org.finetune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.finetune.testing.ColourImages;
import org.finetune.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code recommend} on the demo task picks a case and prints a train command that runs as printed;
 * bad input gets the same line as {@code train}.
 */
class RecommendCommandTest {

  private static final String DEMO_BASE = "models/mobilenetv2-0.35-mnist04";
  private static final String DIGITS_5_9 = "data/digits-5-9/train";
  private static final Pattern COMMAND = Pattern.compile("^  mvn -q exec:java -Dexec.args=\"(.*)\"$", Pattern.MULTILINE);

  @TempDir Path work;

  @Test
  void theDemoTaskIsSmallAndDifferentAndThePrintedCommandTrains() {
    Path out = work.resolve("serving");
    CliRun run = CliRun.of("recommend", "--model", DEMO_BASE, "--data", DIGITS_5_9, "--out", out.toString());
    assertEquals(0, run.exitCode(), run.err());
    String text = run.out();
    assertTrue(text.contains("Data: data/digits-5-9/train: 200 images in 5 classes, 40 to 40 per class\n"), text);
    assertTrue(text.contains("Size: small (the smallest class, '5', has 40 images; large from 1000 in every class)\n"), text);
    assertTrue(text.contains("Similarity: 0.27, different (similar from 0.50)\n"), text);
    assertTrue(text.contains("median divergence 0.0381 over 52 BatchNormalization layers on 200 images (threshold 0.0200);"
        + " first layer past the threshold: block_6_depthwise_BN"), text);
    assertTrue(text.contains("Case: small and different -> cut: keep the base up to block_6_expand_relu,"), text);
    List<String> args = printedArguments(text);
    assertEquals(List.of("train", "--model", DEMO_BASE, "--data", DIGITS_5_9, "--out", out.toString(),
        "--strategy", "cut", "--at", "block_6_expand_relu"), args);

    CliRun train = CliRun.of(args.toArray(String[]::new));
    assertEquals(0, train.exitCode(), train.err());
    assertTrue(train.out().contains("Exported to " + out.resolve("1")), train.out());
    assertTrue(Files.exists(out.resolve("1").resolve("saved_model.pb")));
  }

  @Test
  void heldOutDigitsOfTheBasesOwnClassesAreSmallAndSimilar() {
    CliRun run = CliRun.of("recommend", "--model", DEMO_BASE, "--data", "src/test/resources/digits-0-4-heldout", "--profile");
    assertEquals(0, run.exitCode(), run.err());
    assertTrue(run.out().contains("Similarity: 0.86, similar (similar from 0.50)\n"), run.out());
    assertTrue(run.out().contains("Case: small and similar -> freeze: train a new head on the frozen base\n"), run.out());
    // --profile: one line per BatchNormalization layer, the ones past the threshold marked
    assertTrue(run.out().matches("(?s).*\n  bn_Conv1 +0\\.00\\d\\d\n.*"), run.out());
    assertTrue(run.out().matches("(?s).*\n  Conv_1_bn +0\\.\\d{4} >\n.*"), run.out());
    // without --out, the export root is named after the data set
    assertEquals(List.of("train", "--model", DEMO_BASE, "--data", "src/test/resources/digits-0-4-heldout",
        "--out", "serving/digits-0-4-heldout", "--strategy", "freeze"), printedArguments(run.out()));
  }

  @Test
  void aBaseWithoutBatchNormalizationIsMeasuredOnItsFeatures() throws IOException {
    Path data = ColourImages.write(work.resolve("colours"), 6, 40, 40, 5);
    Path out = work.resolve("vgg");
    CliRun run = CliRun.of("recommend", "--model", Fixtures.model("vgg16-keras3-export").toString(), "--data",
        data.toString(), "--out", out.toString());
    assertEquals(0, run.exitCode(), run.err());
    assertTrue(run.out().contains("no BatchNormalization statistics, so from the features (a weaker measure"), run.out());
    assertTrue(run.out().contains("the output's features lose"), run.out());
    assertTrue(run.out().contains("(leave-one-out nearest class mean on 18 images)"), run.out());
    List<String> args = new ArrayList<>(printedArguments(run.out()));
    args.addAll(List.of("--epochs", "1", "--dense", "8")); // a quick run: the point is that the options are valid
    CliRun train = CliRun.of(args.toArray(String[]::new));
    assertEquals(0, train.exitCode(), train.err());
    assertTrue(Files.exists(out.resolve("1").resolve("saved_model.pb")));
  }

  @Test
  void badInputGetsTheSameLineAsTrain() throws IOException {
    Path missing = work.resolve("nope");
    Path oneClass = Files.createDirectories(work.resolve("one").resolve("cats"));
    Files.copy(Path.of(DIGITS_5_9, "5", "0019.png"), oneClass.resolve("a.png"));
    List<List<String>> cases = List.of(
        List.of("--model", missing.toString(), "--data", DIGITS_5_9),
        List.of("--model", DIGITS_5_9, "--data", DIGITS_5_9),
        List.of("--model", DEMO_BASE, "--data", missing.toString()),
        List.of("--model", DEMO_BASE, "--data", oneClass.getParent().toString()),
        List.of("--model", DEMO_BASE, "--data", DIGITS_5_9, "--preprocess", "sepia"));
    for (List<String> options : cases) {
      List<String> recommend = new ArrayList<>(List.of("recommend"));
      recommend.addAll(options);
      List<String> train = new ArrayList<>(List.of("train", "--out", work.resolve("out").toString()));
      train.addAll(options);
      CliRun r = CliRun.of(recommend.toArray(String[]::new));
      CliRun t = CliRun.of(train.toArray(String[]::new));
      assertTrue(r.exitCode() >= 2 && r.exitCode() <= 4, options + ": " + r.err());
      assertEquals(t.exitCode(), r.exitCode(), options.toString());
      assertEquals(t.errorLines(), r.errorLines(), options.toString());
      assertTrue(!r.err().contains("\tat "), "no stack trace: " + r.err());
      assertEquals("", r.out());
    }
    assertTrue(Files.notExists(work.resolve("out")));
  }

  @Test
  void helpListsEveryOption() {
    CliRun run = CliRun.of("recommend", "--help");
    assertEquals(0, run.exitCode());
    assertTrue(run.out().startsWith("Usage: finetune recommend"), run.out());
    for (String option : List.of("--model=DIR", "--data=DIR|ARCHIVE", "--out=DIR", "--preprocess=NAME", "--profile")) {
      assertTrue(run.out().contains(option), option + " missing:\n" + run.out());
    }
    assertTrue(CliRun.of("--help").out().contains("recommend"));
  }

  /** The arguments inside the printed -Dexec.args="...", split as exec:java splits them. */
  private static List<String> printedArguments(String out) {
    Matcher m = COMMAND.matcher(out);
    assertTrue(m.find(), "no command in:\n" + out);
    List<String> args = new ArrayList<>();
    Matcher token = Pattern.compile("'([^']*)'|(\\S+)").matcher(m.group(1));
    while (token.find()) {
      args.add(token.group(1) != null ? token.group(1) : token.group(2));
    }
    return args;
  }
}
