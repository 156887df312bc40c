package org.finetune.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.finetune.FineTuner;
import org.finetune.error.FineTuneException;
import org.finetune.report.ClassificationMetrics;
import org.finetune.report.HtmlReport;
import org.finetune.report.ModelEvaluation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code evaluate}: measure an export on labelled images and write an HTML report. */
@Command(
    name = "evaluate",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Measures an exported model on labelled images (class folders or an archive of them): accuracy,"
        + " top-k accuracy, per-class precision, recall and F1, the confusion matrix; writes an HTML report.")
final class EvaluateCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "EXPORT_DIR", description = "An export: a version directory, or its root (the highest version is used).")
  Path model;

  @Option(names = "--data", required = true, paramLabel = "DIR|ARCHIVE", description = "Labelled images: class folders named like the model's classes, or a .tar.gz/.tgz/.tar/.zip of them.")
  Path data;

  @Option(names = "--report", paramLabel = "DIR", description = "Where to write the report; must not exist (default: a new evaluation-<model>-<version>-<data> folder here).")
  Path report;

  @Option(names = "--top-k", paramLabel = "K", defaultValue = "5", description = "k of the top-k accuracy, at most the number of classes (default: ${DEFAULT-VALUE}).")
  int topK;

  @Option(names = "--strict", description = "Stop at the first unreadable image instead of skipping it.")
  boolean strict;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (topK < 1) {
      throw FineTuneException.badOption("--top-k must be >= 1, got " + topK);
    }
    if (report != null) {
      HtmlReport.checkTarget(report); // before the work, not after it
    }
    ModelEvaluation evaluation = FineTuner.evaluate(model, data, topK, strict, ConsoleProgress.warningsOnly(err));
    Path dir = report != null ? report : HtmlReport.defaultDirectory(Path.of(""), evaluation.export(), evaluation.data());
    HtmlReport.write(evaluation, dir);
    summary(out, evaluation);
    out.printf("Report: %s%n", dir.resolve(HtmlReport.HTML));
    return ExitCodes.OK;
  }

  static void summary(PrintWriter out, ModelEvaluation e) {
    ClassificationMetrics m = e.metrics();
    out.printf("Model: %s (%d classes)%n", e.export(), m.labels().size());
    out.printf("Data: %s: %d images%n", e.data(), m.images());
    out.printf("Accuracy: %.4f (%d of %d)%n", m.accuracy(), m.confusionMatrix().trace(), m.images());
    out.printf("Top-%d accuracy: %.4f%n", m.topK(), m.topKAccuracy());
    int width = Math.max(12, m.labels().stream().mapToInt(String::length).max().orElse(0));
    out.println();
    out.printf("%-" + width + "s %9s %9s %9s %7s%n", "class", "precision", "recall", "f1", "images");
    boolean undefined = false;
    for (ClassificationMetrics.PerClass c : m.perClass()) {
      String p = String.format("%.4f%s", c.precision(), c.precisionDefined() ? " " : "*");
      String r = String.format("%.4f%s", c.recall(), c.recallDefined() ? " " : "*");
      undefined |= !c.precisionDefined() || !c.recallDefined();
      out.printf("%-" + width + "s %9s %9s %8.4f  %7d%n", c.label(), p, r, c.f1(), c.support());
    }
    ClassificationMetrics.Average macro = m.macroAverage();
    ClassificationMetrics.Average weighted = m.weightedAverage();
    out.printf("%-" + width + "s %8.4f  %8.4f  %8.4f  %7d%n", "macro avg", macro.precision(), macro.recall(), macro.f1(), m.images());
    out.printf("%-" + width + "s %8.4f  %8.4f  %8.4f  %7d%n", "weighted avg", weighted.precision(), weighted.recall(), weighted.f1(), m.images());
    if (undefined) {
      out.println("* 0/0 (a class never predicted, or without images), reported as 0");
    }
    out.println();
    if (!e.skipped().isEmpty()) {
      out.printf("Skipped unreadable images: %d%n", e.skipped().size());
    }
  }
}
