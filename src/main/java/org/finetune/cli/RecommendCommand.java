package org.finetune.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.finetune.FineTuner;
import org.finetune.recommend.DataSize;
import org.finetune.recommend.LayerScore;
import org.finetune.recommend.Recommendation;
import org.finetune.recommend.Similarity;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code recommend}: which of the four transfer-learning cases a task is in, and the train command for it. */
@Command(
    name = "recommend",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Measures the data set's size and how much its images resemble the base's training data,"
        + " names the transfer-learning case, and prints the train command for it.")
final class RecommendCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "DIR", description = "Base SavedModel exported from Keras.")
  Path model;

  @Option(names = "--data", required = true, paramLabel = "DIR|ARCHIVE", description = "Class folders, or a .tar.gz/.tgz/.zip of them.")
  Path data;

  @Option(names = "--out", paramLabel = "DIR", description = "Export root for the printed train command (default: serving/<data set name>).")
  Path out;

  @Option(names = "--preprocess", paramLabel = "NAME", description = "As for train (default: guessed from the layer names).")
  String preprocess;

  @Option(names = "--profile", description = "Also print the similarity measured at each layer.")
  boolean profile;

  @Override
  public Integer call() {
    Recommendation r = FineTuner.recommend(model, data, out, preprocess);
    PrintWriter o = spec.commandLine().getOut();
    DataSize size = r.size();
    Similarity s = r.similarity();
    o.printf("Data: %s: %s%n", r.data(), size);
    o.printf("Size: %s (the smallest class, '%s', has %d images; large from %d in every class)%n",
        size.large() ? "large" : "small", size.smallestClassName(), size.smallestClass(), DataSize.LARGE_PER_CLASS);
    o.printf("Similarity: %.2f, %s (similar from 0.50)%n", s.score(), s.similar() ? "similar" : "different");
    o.printf("  %s%n", s.describe());
    if (r.skippedImages() > 0) {
      o.printf("  unreadable images left out: %d%n", r.skippedImages());
    }
    if (profile) {
      printProfile(o, s);
    }
    o.printf("Case: %s -> %s%n", r.transferCase(), r.explain());
    o.println("Run:");
    o.println("  " + r.command());
    return ExitCodes.OK;
  }

  private static void printProfile(PrintWriter o, Similarity s) {
    boolean bn = s.measure() == Similarity.Measure.BATCH_NORM;
    o.printf("  %-40s %s%n", "Layer", bn ? "divergence (> marks past the threshold)" : "leave-one-out accuracy");
    for (LayerScore l : s.profile()) {
      boolean marked = bn ? l.value() > s.threshold() : l.layer().equals(s.cutLayer());
      String mark = !marked ? "" : bn ? " >" : " <- best";
      o.printf("  %-40s %.4f%s%n", l.layer(), l.value(), mark);
    }
  }
}
