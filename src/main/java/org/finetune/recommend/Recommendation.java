package org.finetune.recommend;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.finetune.train.Strategy;
import org.finetune.train.StrategyConfig;

/**
 * Which of the four transfer-learning cases a task is in, and the {@code train} command for it.
 *
 * @param model the base, as given
 * @param data the data set, as given
 * @param out the export root the command writes to
 * @param preprocess the {@code --preprocess} value given, or null when guessed (then omitted)
 * @param size how much data there is
 * @param similarity how much it resembles the base's training data
 * @param strategy the strategy for the case, with its layer or layer count
 * @param skippedImages images that could not be read and were left out of the measurement
 */
public record Recommendation(
    Path model, Path data, Path out, String preprocess, DataSize size, Similarity similarity, StrategyConfig strategy,
    int skippedImages) {

  /** Arguments that need no quoting inside {@code -Dexec.args="..."}. */
  private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_./:@%+=,-]+");

  public Recommendation {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(out, "out");
    Objects.requireNonNull(size, "size");
    Objects.requireNonNull(similarity, "similarity");
    Objects.requireNonNull(strategy, "strategy");
  }

  /** "small and different": the case by size and similarity. */
  public String transferCase() {
    return (size.large() ? "large" : "small") + " and " + (similarity.similar() ? "similar" : "different");
  }

  /** What the strategy does, in one line. */
  public String explain() {
    return switch (strategy.strategy()) {
      case FREEZE -> "freeze: train a new head on the frozen base";
      case CUT -> "cut: keep the base up to " + strategy.layer()
          + ", the last layer before the images stop resembling the base's training data, and train a head on it";
      case UNFREEZE -> "unfreeze: train the head, then also the base's last stage (its top " + strategy.topLayers()
          + " layers with weights) at a tenth of the learning rate";
      case FULL -> "full: train the head, then the whole base at a tenth of the learning rate";
    };
  }

  /** The arguments of {@code train} for this case, as the command line takes them. */
  public List<String> trainArguments() {
    List<String> args = new ArrayList<>(List.of(
        "train", "--model", model.toString(), "--data", data.toString(), "--out", out.toString()));
    if (preprocess != null) {
      args.addAll(List.of("--preprocess", preprocess));
    }
    args.addAll(List.of("--strategy", strategy.strategy().cliName()));
    if (strategy.strategy() == Strategy.CUT) {
      args.addAll(List.of("--at", strategy.layer()));
    } else if (strategy.strategy() == Strategy.UNFREEZE) {
      args.addAll(strategy.layer() != null
          ? List.of("--from", strategy.layer())
          : List.of("--top", Integer.toString(strategy.topLayers())));
    }
    return args;
  }

  /** The command to run from the project's root: {@code mvn -q exec:java -Dexec.args="train ..."}. */
  public String command() {
    List<String> quoted = trainArguments().stream().map(Recommendation::quote).toList();
    return "mvn -q exec:java -Dexec.args=\"" + String.join(" ", quoted) + "\"";
  }

  /** Single quotes, which exec:java strips, around an argument with spaces or other special characters. */
  private static String quote(String arg) {
    return PLAIN.matcher(arg).matches() ? arg : "'" + arg + "'";
  }
}
