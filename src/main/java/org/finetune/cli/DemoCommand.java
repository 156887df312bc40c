package org.finetune.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.finetune.FineTuneRequest;
import org.finetune.FineTuneResult;
import org.finetune.FineTuner;
import org.finetune.TrainedModel;
import org.finetune.error.FineTuneException;
import org.finetune.train.Evaluation;
import org.finetune.train.TrainingListener;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code demo} (also what runs without arguments): fine-tunes the shipped MobileNetV2, pre-trained
 * on MNIST digits 0-4, to classify digits 5-9 from a few dozen images each, and trains the same
 * head on a randomly initialised base of the same architecture, to show what the pre-training buys.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Transfer learning on the shipped data: digits 5-9 on a MobileNetV2 pre-trained on digits 0-4, versus a random base.")
final class DemoCommand implements Callable<Integer> {

  static final Path PRETRAINED = Path.of("models", "mobilenetv2-0.35-mnist04");
  static final Path RANDOM = Path.of("models", "mobilenetv2-0.35-random");
  static final Path TRAIN = Path.of("data", "digits-5-9", "train");
  static final Path TEST = Path.of("data", "digits-5-9", "test");

  @Spec CommandSpec spec;

  @Option(names = "--out", defaultValue = "runs/demo", paramLabel = "DIR", description = "Export root (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--project", defaultValue = ".", paramLabel = "DIR", description = "Project directory holding models/ and data/ (default: the current one).")
  Path project;

  @Mixin TrainOptions options;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    requireShipped(PRETRAINED, RANDOM, TRAIN, TEST);
    out.println("Task: digits 5-9 from " + shipped(TRAIN) + ", tested on " + shipped(TEST));

    out.println("\n[1/2] Fine-tuning the base pre-trained on digits 0-4 (" + PRETRAINED + ")");
    long start = System.nanoTime();
    FineTuneResult pretrained = FineTuner.run(request(PRETRAINED).output(shipped(this.out)).build(), new ConsoleProgress(err));
    double pretrainedSeconds = (System.nanoTime() - start) / 1e9;

    out.println("\n[2/2] The same head on a randomly initialised base (" + RANDOM + ")");
    start = System.nanoTime();
    Evaluation randomTest;
    try (TrainedModel random = FineTuner.train(request(RANDOM).build(), new ConsoleProgress(err))) {
      randomTest = random.evaluate(shipped(TEST), TrainingListener.NONE);
    }
    double randomSeconds = (System.nanoTime() - start) / 1e9;

    out.println();
    out.printf("%-36s %14s %10s%n", "Base", "Test accuracy", "Time");
    out.printf("%-36s %14.4f %9.1fs%n", "pre-trained on digits 0-4", pretrained.test().accuracy(), pretrainedSeconds);
    out.printf("%-36s %14.4f %9.1fs%n", "random initialisation", randomTest.accuracy(), randomSeconds);
    out.printf("(%d test images; head %s)%n", pretrained.test().images(), options.head().describe(pretrained.classNames().size()));
    out.println("Exported the pre-trained model to " + pretrained.exportDir());
    return ExitCodes.OK;
  }

  private FineTuneRequest.Builder request(Path model) {
    return FineTuneRequest.builder()
        .model(shipped(model))
        .data(shipped(TRAIN))
        .testData(shipped(TEST))
        .head(options.head())
        .training(options.training());
  }

  /** A path below the project directory, without "./" in messages. */
  private Path shipped(Path relative) {
    return project.resolve(relative).normalize();
  }

  private void requireShipped(Path... paths) {
    for (Path p : paths) {
      if (!Files.exists(shipped(p))) {
        throw FineTuneException.badOption(
            "The demo needs " + p + " below " + project.toAbsolutePath().normalize()
                + "; run it from the project directory (or pass --project)");
      }
    }
  }
}
