package org.finetune.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.finetune.Predictor;
import org.finetune.error.FineTuneException;
import org.finetune.error.IoErrors;
import org.finetune.serving.RestPredictor;
import org.finetune.serving.RestRequestException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code predict}: classify image files with an export of this tool, or answer a TF Serving REST
 * predict request body with the JSON TF Serving would return.
 */
@Command(
    name = "predict",
    mixinStandardHelpOptions = true,
    description = {
      "Classifies images with an exported model and prints the top classes with probabilities.",
      "With --request, answers a TF Serving REST predict request ({\"instances\": [...]} or {\"inputs\": ...})"
          + " with the JSON TF Serving would return for the export."
    })
final class PredictCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "EXPORT_DIR", description = "An export: a version directory, or its root (the highest version is used).")
  Path model;

  @Option(names = "--top-k", paramLabel = "K", defaultValue = "3", description = "How many classes to print per image (default: ${DEFAULT-VALUE}).")
  int topK;

  @Option(names = "--request", paramLabel = "FILE", description = "A TF Serving REST predict request body (JSON); '-' reads it from standard input.")
  String request;

  @Option(names = "--response", paramLabel = "FILE", description = "With --request: write the response JSON to FILE instead of standard output.")
  Path response;

  @Parameters(arity = "0..*", paramLabel = "IMAGE", description = "Image files (JPEG, PNG, GIF, BMP).")
  List<Path> images;

  @Override
  public Integer call() {
    boolean hasImages = images != null && !images.isEmpty();
    if (request != null) {
      if (hasImages) {
        throw FineTuneException.badOption("give either image files or --request, not both");
      }
      return answer();
    }
    if (response != null) {
      throw FineTuneException.badOption("--response needs --request");
    }
    if (!hasImages) {
      throw FineTuneException.badOption("give image files to classify, or --request FILE with a TF Serving REST request");
    }
    PrintWriter out = spec.commandLine().getOut();
    try (Predictor predictor = Predictor.load(model)) {
      List<Predictor.Prediction> predictions = predictor.multiLabel()
          ? predictor.predictLabels(images) // every label above the export's threshold
          : predictor.predict(images, Math.min(topK, predictor.labels().size()));
      for (Predictor.Prediction p : predictions) {
        out.println(p.image());
        for (Predictor.Score s : p.top()) {
          out.printf("  %-24s %.4f%n", s.label(), s.probability());
        }
        if (p.top().isEmpty()) {
          out.printf("  (no label above the threshold %s)%n", predictor.threshold());
        }
      }
    }
    return ExitCodes.OK;
  }

  private int answer() {
    String source = request.equals("-") ? "on standard input" : request;
    byte[] body = readRequest();
    try (RestPredictor predictor = RestPredictor.load(model)) {
      String json;
      try {
        json = predictor.respond(body);
      } catch (RestRequestException e) {
        write(e.responseBody());
        throw new FineTuneException(e.kind(), "request " + source + ": " + e.getMessage(), e);
      }
      write(json);
    }
    return ExitCodes.OK;
  }

  private byte[] readRequest() {
    if (request.equals("-")) {
      try (InputStream in = System.in) {
        return in.readAllBytes();
      } catch (IOException e) {
        throw FineTuneException.badData("Cannot read the request from standard input: " + IoErrors.describe(e));
      }
    }
    Path file = Path.of(request);
    if (!Files.exists(file)) {
      throw FineTuneException.badData("Request file not found: " + file);
    }
    if (!Files.isRegularFile(file)) {
      throw FineTuneException.badData("Request " + file + " is not a regular file; expected a JSON request body");
    }
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw FineTuneException.badData("Cannot read request " + file + ": " + IoErrors.describe(e));
    }
  }

  private void write(String json) {
    if (response == null) {
      PrintWriter out = spec.commandLine().getOut();
      out.println(json);
      out.flush();
      return;
    }
    try {
      Files.writeString(response, json + "\n", StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new FineTuneException(FineTuneException.Kind.EXPORT, "Cannot write the response to " + response + ": " + IoErrors.describe(e));
    }
  }
}
