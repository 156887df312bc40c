package org.finetune.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.finetune.FineTuneRequest;
import org.finetune.FineTuner;
import org.finetune.TrainedModel;
import org.finetune.error.FineTuneException;
import org.finetune.recommend.Recommendation;
import org.finetune.train.Evaluation;
import org.finetune.train.TrainingListener;
import org.finetune.train.StrategyConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code demo} (also what runs without arguments): the shipped transfer-learning task. The base
 * is a MobileNetV2 pre-trained on MNIST digits 0-4; the task is digits 5-9 from 40 images each.
 * It asks {@code recommend} which case this is, trains every strategy on the pre-trained base and
 * the same head on a randomly initialised base of the same architecture, prints a table of test
 * accuracy and time, and exports the recommended model.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Transfer learning on the shipped data: digits 5-9 on a MobileNetV2 pre-trained on digits 0-4,"
        + " every strategy compared, and a random base for reference.")
final class DemoCommand implements Callable<Integer> {

  static final Path PRETRAINED = Path.of("models", "mobilenetv2-0.35-mnist04");
  static final Path RANDOM = Path.of("models", "mobilenetv2-0.35-random");
  static final Path TRAIN = Path.of("data", "digits-5-9", "train");
  static final Path TEST = Path.of("data", "digits-5-9", "test");

  /** The strategies the table shows besides the recommended one, in its order. */
  private static final List<StrategyConfig> SHOWN =
      List.of(StrategyConfig.FREEZE, StrategyConfig.cut("block_8_add"), StrategyConfig.unfreezeTop(12), StrategyConfig.full());

  @Spec CommandSpec spec;

  @Option(names = "--out", defaultValue = "runs/demo", paramLabel = "DIR", description = "Export root (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--project", defaultValue = ".", paramLabel = "DIR", description = "Project directory holding models/ and data/ (default: the current one).")
  Path project;

  @Mixin TrainOptions options;

  /** One line of the table. */
  private record Row(String strategy, String base, Evaluation test, double seconds, boolean recommended) {}

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    requireShipped(PRETRAINED, RANDOM, TRAIN, TEST);
    out.println("Task: digits 5-9 from " + shipped(TRAIN) + " (40 per digit), tested on " + shipped(TEST));
    out.println("Base: " + shipped(PRETRAINED) + ", a MobileNetV2 (alpha 0.35) pre-trained on digits 0-4");

    Recommendation recommendation = FineTuner.recommend(shipped(PRETRAINED), shipped(TRAIN), shipped(this.out));
    out.printf("recommend: %s -> %s%n", recommendation.transferCase(), describe(recommendation.strategy()));

    List<StrategyConfig> strategies = strategies(recommendation.strategy());
    List<Row> rows = new ArrayList<>();
    Path export = null;
    for (int i = 0; i < strategies.size(); i++) {
      StrategyConfig strategy = strategies.get(i);
      boolean recommended = strategy.equals(recommendation.strategy());
      out.printf("[%d/%d] %s on the pre-trained base%s%n", i + 1, strategies.size() + 1, describe(strategy),
          recommended ? " (recommended)" : "");
      out.flush();
      long start = System.nanoTime();
      try (TrainedModel model = FineTuner.train(request(PRETRAINED, strategy), ConsoleProgress.warningsOnly(err))) {
        Evaluation test = model.evaluate(shipped(TEST), TrainingListener.NONE);
        if (recommended) {
          export = model.export(shipped(this.out), null, test);
        }
        rows.add(new Row(describe(strategy), "pre-trained", test, seconds(start), recommended));
      }
    }
    out.printf("[%d/%d] freeze on the randomly initialised base (%s)%n", strategies.size() + 1, strategies.size() + 1, RANDOM);
    long start = System.nanoTime();
    try (TrainedModel random = FineTuner.train(request(RANDOM, StrategyConfig.FREEZE), ConsoleProgress.warningsOnly(err))) {
      rows.add(new Row("freeze", "random", random.evaluate(shipped(TEST), TrainingListener.NONE), seconds(start), false));
    }
    printTable(out, rows);
    out.println("Exported the recommended model to " + export);
    return ExitCodes.OK;
  }

  /** The shown strategies, with the recommended one in place of the shown one of its kind. */
  private static List<StrategyConfig> strategies(StrategyConfig recommended) {
    List<StrategyConfig> list = new ArrayList<>();
    for (StrategyConfig s : SHOWN) {
      list.add(s.strategy() == recommended.strategy() ? recommended : s);
    }
    return list;
  }

  private FineTuneRequest request(Path model, StrategyConfig strategy) {
    return FineTuneRequest.builder()
        .model(shipped(model))
        .data(shipped(TRAIN))
        .head(options.head())
        .training(options.training())
        .strategy(strategy)
        .build();
  }

  private void printTable(PrintWriter out, List<Row> rows) {
    out.println();
    out.printf("%-34s %-12s %14s %9s%n", "Strategy", "Base", "Test accuracy", "Time");
    for (Row r : rows) {
      out.printf("%-34s %-12s %14.4f %8.1fs%n", r.strategy() + (r.recommended() ? " *" : ""), r.base(), r.test().accuracy(), r.seconds());
    }
    out.printf("(%d test images; * recommended; head %s; %d epochs, then %d of fine-tuning for unfreeze and full)%n",
        rows.get(0).test().images(), options.head().describe(5), options.training().epochs(),
        StrategyConfig.DEFAULT_FINE_TUNE_EPOCHS);
  }

  static String describe(StrategyConfig s) {
    return switch (s.strategy()) {
      case FREEZE, FULL -> s.strategy().cliName();
      case CUT -> "cut --at " + s.layer();
      case UNFREEZE -> "unfreeze " + (s.layer() != null ? "--from " + s.layer() : "--top " + s.topLayers());
    };
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
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
