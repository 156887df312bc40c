package org.finetune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every numeric or named option of train out of its range: exit 2 and one line naming the option,
 * the range and the value, before anything is loaded or trained. A head too large for memory is
 * only found by TensorFlow: exit 6 and one line.
 */
class BadOptionsTest {

  static final String MODEL = Path.of("models", "mobilenetv2-0.35-mnist04").toString();
  static final String DATA = Path.of("data", "digits-5-9", "train").toString();

  @TempDir Path work;

  private CliRun train(String... options) {
    List<String> args = new ArrayList<>(List.of("train", "--model", MODEL, "--data", DATA,
        "--out", work.resolve("out").toString(), "--no-cache"));
    args.addAll(List.of(options));
    return CliRun.of(args.toArray(String[]::new));
  }

  static Stream<Arguments> outOfRange() {
    return Stream.of(
        Arguments.of(List.of("--epochs", "0"), "--epochs must be a positive integer, got 0"),
        Arguments.of(List.of("--epochs", "-3"), "--epochs must be a positive integer, got -3"),
        Arguments.of(List.of("--batch-size", "0"), "--batch-size must be a positive integer, got 0"),
        Arguments.of(List.of("--learning-rate", "-0.1"), "--learning-rate must be a positive number, got -0.1"),
        Arguments.of(List.of("--learning-rate", "NaN"), "--learning-rate must be a positive number, got NaN"),
        Arguments.of(List.of("--learning-rate", "Infinity"), "--learning-rate must be a positive number, got Infinity"),
        Arguments.of(List.of("--dense", "-1"), "--dense must be >= 0 (0 means no hidden layer), got -1"),
        Arguments.of(List.of("--dropout", "1"), "--dropout must be in [0, 1), got 1.0"),
        Arguments.of(List.of("--dropout", "-0.2"), "--dropout must be in [0, 1), got -0.2"),
        Arguments.of(List.of("--pooling", "cubic"), "Unknown pooling 'cubic'; expected one of [flatten, global_avg, global_max]"),
        Arguments.of(List.of("--head", "global_avg,dense(x)"),
            "--head 'global_avg,dense(x)': item 2 'dense(x)': UNITS must be a whole number, found 'x'"),
        Arguments.of(List.of("--head", "global_avg,dense(8),dropout(1)"),
            "--head 'global_avg,dense(8),dropout(1)': item 3 'dropout(1)': dropout rate must be in [0, 1), found 1.0"),
        Arguments.of(List.of("--head", "global_avg", "--dense", "8", "--pooling", "max"),
            "--pooling, --dense cannot be combined with --head, which describes the whole head"),
        Arguments.of(List.of("--head", "flatten", "--head-file", "head.json"), "--head and --head-file both describe the head; give one"),
        Arguments.of(List.of("--l2", "-1"), "--l2 must be >= 0, got -1.0"),
        Arguments.of(List.of("--restore-best-weights"), "--restore-best-weights belongs to --early-stopping PATIENCE, which is not given"),
        Arguments.of(List.of("--early-stopping", "0"), "--early-stopping patience must be a positive integer, got 0"),
        Arguments.of(List.of("--early-stopping", "2", "--min-delta", "-1"), "--min-delta must be >= 0, got -1.0"),
        Arguments.of(List.of("--lr-schedule", "step"), "--lr-schedule must be constant, cosine or plateau, got 'step'"),
        Arguments.of(List.of("--lr-schedule", "cosine", "--cosine-alpha", "2"),
            "the cosine schedule's final fraction must be in [0, 1], got 2.0"),
        Arguments.of(List.of("--lr-schedule", "plateau", "--plateau-factor", "1"), "--plateau-factor must be in (0, 1), got 1.0"),
        Arguments.of(List.of("--lr-schedule", "plateau", "--plateau-patience", "0"), "--plateau-patience must be a positive integer, got 0"),
        Arguments.of(List.of("--monitor", "f1"), "--monitor must be one of [val_loss, val_accuracy, loss, accuracy], got 'f1'"),
        Arguments.of(List.of("--early-stopping", "2", "--val-split", "0"), "--monitor val_loss needs validation images, but"
            + " there are none (--val-split 0, or too few images); use --monitor loss or a validation split"),
        Arguments.of(List.of("--class-weight", "5"), "--class-weight expects auto or CLASS=WEIGHT,...; '5' has no CLASS="),
        Arguments.of(List.of("--class-weight", "5=x"), "--class-weight 5=x: 'x' is not a number"),
        Arguments.of(List.of("--class-weight", "5=-1"), "--class-weight 5=-1.0: a weight must be a positive number"),
        Arguments.of(List.of("--class-weight", "5=2,5=3"), "--class-weight names class '5' twice"),
        Arguments.of(List.of("--class-weight", "cat=2"),
            "--class-weight names class 'cat', which the data does not have; its classes are [5, 6, 7, 8, 9]"),
        Arguments.of(List.of("--label-smoothing", "1"), "--label-smoothing must be in [0, 1), got 1.0"),
        Arguments.of(List.of("--val-split", "1"), "--val-split must be in [0, 1), got 1.0"),
        Arguments.of(List.of("--val-split", "-0.5"), "--val-split must be in [0, 1), got -0.5"),
        Arguments.of(List.of("--threads", "-1"), "--threads must be >= 0 (0 = all cores), got -1"),
        Arguments.of(List.of("--export-version", "0"), "--export-version must be a positive integer, got 0"),
        Arguments.of(List.of("--strategy", "unfreeze", "--top", "0"), "--top must be a positive integer, got 0"),
        Arguments.of(List.of("--strategy", "full", "--fine-tune-learning-rate", "0"),
            "--fine-tune-learning-rate must be a positive number, got 0.0"),
        Arguments.of(List.of("--epochs", "99999999999"),
            "Invalid value for option '--epochs': '99999999999' is not an int"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("outOfRange")
  void isRefusedBeforeAnythingRuns(List<String> options, String message) {
    CliRun run = train(options.toArray(String[]::new));
    assertEquals(2, run.exitCode(), run.err());
    assertEquals("error: " + message, run.errorLines());
    assertFalse(run.err().contains("Epoch"), "nothing trained: " + run.err());
    assertFalse(run.err().contains("\tat "), "no stack trace: " + run.err());
    assertFalse(Files.exists(work.resolve("out")), "nothing written");
  }

  @Test
  void aMalformedOrMissingHeadSpecFileIsNamedWithWhereAndWhat() throws Exception {
    Path spec = Files.writeString(work.resolve("head.json"), "{\"pooling\": \"global_avg\",\n \"layers\": [{\"type\": \"dense\"}]}");
    CliRun run = train("--head-file", spec.toString());
    assertEquals(2, run.exitCode(), run.err());
    assertEquals("error: head spec " + spec + " layers[0].units must be a whole number >= 1, found nothing", run.errorLines());
    Files.writeString(spec, "{\"pooling\": \"global_avg\",\n \"layers\": [,]}");
    run = train("--head-file", spec.toString());
    assertEquals(2, run.exitCode(), run.err());
    assertTrue(run.errorLines().startsWith("error: head spec " + spec + " is not valid JSON at line 2, column 13: "), run.errorLines());
    assertFalse(run.errorLines().contains("\n"), run.errorLines());
    run = train("--head-file", work.resolve("absent.json").toString());
    assertEquals(2, run.exitCode(), run.err());
    assertEquals("error: Cannot read the head spec " + work.resolve("absent.json") + ": the file does not exist (any more)", run.errorLines());
    assertFalse(Files.exists(work.resolve("out")), "nothing written");
  }

  @Test
  void aHeadWithAbsurdlyManyWeightsIsRefusedBeforeTraining() {
    // flatten over MobileNetV2's 1x1x1280 output: 1280 x 2e9 weights in the hidden layer alone
    CliRun run = train("--epochs", "1", "--dense", "2000000000");
    assertEquals(2, run.exitCode(), run.err());
    assertEquals("error: the head flatten -> dense(2000000000, relu) -> dropout(0.5) -> dense(5, softmax) has 2.57e+12"
        + " weights (1280 features in), more than the 2147483647 a head may have; use fewer units or global_avg pooling"
        + " (--pooling avg)", run.errorLines());
    assertFalse(run.err().contains("Epoch"), "nothing trained: " + run.err());
    assertFalse(Files.exists(work.resolve("out")), "nothing written");
  }

  /**
   * A head under that limit may still not fit in memory; TensorFlow then throws while initialising
   * it. Allocating gigabytes in a test is out of the question on a shared machine, so this hands the
   * command line the exception, with the message TensorFlow gave in a real run of --dense 2000000000
   * (before the limit above), and checks what the user reads.
   */
  @Test
  void tensorFlowRunningOutOfMemoryIsOneLineAndExitSix() {
    java.io.StringWriter err = new java.io.StringWriter();
    picocli.CommandLine cli = Main.commandLine(new java.io.PrintWriter(new java.io.StringWriter()), new java.io.PrintWriter(err, true));
    int code = Main.reportFailure(new org.tensorflow.exceptions.TFResourceExhaustedException(
        "OOM when allocating tensor with shape[1280,2000000000] and type float on /job:localhost/replica:0/task:0/device:CPU:0"
            + " by allocator mklcpu\n\t [[{{node StatelessRandomUniform}}]]\nHint: If you want to see a list of allocated tensors"),
        cli, null);
    assertEquals(6, code);
    assertEquals("error: TensorFlow ran out of memory: OOM when allocating tensor with shape[1280,2000000000] and type float;"
        + " lower --batch-size or --dense, or use a machine with more memory\n", err.toString());
  }
}
