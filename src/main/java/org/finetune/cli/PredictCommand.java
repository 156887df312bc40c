package org.finetune.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.finetune.Predictor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code predict}: classify image files with an export of this tool. */
@Command(
    name = "predict",
    mixinStandardHelpOptions = true,
    description = "Classifies images with an exported model and prints the top classes with probabilities.")
final class PredictCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "EXPORT_DIR", description = "An export: a version directory, or its root (the highest version is used).")
  Path model;

  @Option(names = "--top-k", paramLabel = "K", defaultValue = "3", description = "How many classes to print per image (default: ${DEFAULT-VALUE}).")
  int topK;

  @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Image files (JPEG, PNG, GIF, BMP).")
  List<Path> images;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try (Predictor predictor = Predictor.load(model)) {
      for (Predictor.Prediction p : predictor.predict(images, Math.min(topK, predictor.labels().size()))) {
        out.println(p.image());
        for (Predictor.Score s : p.top()) {
          out.printf("  %-24s %.4f%n", s.label(), s.probability());
        }
      }
    }
    return ExitCodes.OK;
  }
}
