package org.finetune;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.finetune.data.Dataset;
import org.finetune.data.ImageEntry;
import org.finetune.data.UnreadableImageException;
import org.finetune.error.FineTuneException;
import org.finetune.error.IoErrors;
import org.finetune.report.ClassificationMetrics;
import org.finetune.report.ModelEvaluation;
import org.finetune.train.History;
import org.finetune.train.TrainingListener;

/**
 * Runs an export over a labelled data set, image by image in batches, and measures it: the
 * implementation of {@link FineTuner#evaluate}. The data set's class folders are matched to the
 * export's labels by name, so it may hold fewer classes than the model knows (but none it does
 * not), in any order.
 */
final class Evaluator {

  /** Images per call of the model. */
  static final int BATCH = 32;

  private Evaluator() {}

  static ModelEvaluation evaluate(Path export, Path data, int topK, boolean strict, TrainingListener listener) {
    if (topK < 1) {
      throw FineTuneException.badOption("--top-k must be >= 1, got " + topK);
    }
    try (Predictor predictor = Predictor.load(export)) {
      if (predictor.multiLabel()) {
        throw FineTuneException.badOption("evaluate does not support multi-label exports yet (" + predictor.directory()
            + " gives each label a sigmoid probability); train with --labels and --test-data/--test-labels for their"
            + " micro and macro F1 and per-label precision and recall");
      }
      List<String> labels = predictor.labels();
      Dataset dataset = Dataset.open(data);
      int[] toModel = classMapping(dataset, labels, predictor.directory());
      History history = readHistory(predictor.directory(), listener);
      int k = Math.min(topK, labels.size());

      int values = predictor.inputSpec().valuesPerImage();
      List<ImageEntry> batch = new ArrayList<>();
      float[] pixels = new float[BATCH * values];
      List<ImageEntry> read = new ArrayList<>();
      List<float[]> probabilities = new ArrayList<>();
      List<ModelEvaluation.Skipped> skipped = new ArrayList<>();
      UnreadableImageException firstProblem = null;
      for (ImageEntry entry : dataset.entries()) {
        try {
          float[] image = predictor.preprocess(bytes(entry), entry.location());
          System.arraycopy(image, 0, pixels, batch.size() * values, values);
          batch.add(entry);
        } catch (UnreadableImageException e) {
          if (strict) {
            throw e;
          }
          firstProblem = firstProblem == null ? e : firstProblem;
          skipped.add(new ModelEvaluation.Skipped(e.location(), e.reason()));
          listener.imageSkipped(e.location(), e.reason());
        }
        if (batch.size() == BATCH) {
          run(predictor, pixels, batch, read, probabilities);
        }
      }
      if (!batch.isEmpty()) {
        run(predictor, pixels, batch, read, probabilities);
      }
      if (read.isEmpty()) {
        throw FineTuneException.badData("no readable images in " + dataset.source() + ": all " + skipped.size()
            + " were unreadable and skipped, the first " + firstProblem.location() + " (" + firstProblem.reason() + ")");
      }

      int[] actual = new int[read.size()];
      for (int i = 0; i < actual.length; i++) {
        actual[i] = toModel[read.get(i).label()];
      }
      float[][] p = probabilities.toArray(float[][]::new);
      ClassificationMetrics metrics = ClassificationMetrics.compute(labels, actual, p, k);
      int[] predicted = metrics.predicted();
      List<ModelEvaluation.ImageOutcome> outcomes = new ArrayList<>();
      for (int i = 0; i < actual.length; i++) {
        outcomes.add(new ModelEvaluation.ImageOutcome(read.get(i), actual[i], predicted[i], p[i][actual[i]], p[i][predicted[i]]));
      }
      return new ModelEvaluation(predictor.directory(), data.toString(), predictor.manifest(), history, metrics, outcomes, skipped);
    }
  }

  private static void run(Predictor predictor, float[] pixels, List<ImageEntry> batch, List<ImageEntry> read, List<float[]> out) {
    int n = batch.size();
    float[] input = n * predictor.inputSpec().valuesPerImage() == pixels.length
        ? pixels
        : java.util.Arrays.copyOf(pixels, n * predictor.inputSpec().valuesPerImage());
    for (float[] row : predictor.probabilities(input, n)) {
      out.add(row);
    }
    read.addAll(batch);
    batch.clear();
  }

  private static byte[] bytes(ImageEntry entry) {
    try {
      return entry.readBytes();
    } catch (IOException e) {
      throw new UnreadableImageException(entry.location(), "cannot read it: " + IoErrors.describe(e));
    }
  }

  /** For each class of the data set, the export's label of the same name; an unknown one is an error. */
  static int[] classMapping(Dataset dataset, List<String> labels, Path export) {
    List<String> unknown = dataset.classNames().stream().filter(c -> !labels.contains(c)).toList();
    if (!unknown.isEmpty()) {
      throw FineTuneException.badData(
          (unknown.size() == 1 ? "class folder '" + unknown.get(0) + "' in " + dataset.source() + " is not a class"
              : "class folders " + unknown.stream().map(c -> "'" + c + "'").collect(Collectors.joining(", "))
                  + " in " + dataset.source() + " are not classes")
              + " of the model " + export + ", whose classes are " + labels
              + "; remove or rename " + (unknown.size() == 1 ? "it" : "them"));
    }
    return dataset.classNames().stream().mapToInt(labels::indexOf).toArray();
  }

  /** The export's history.json; null, with a warning when it is unreadable, if there is none. */
  private static History readHistory(Path export, TrainingListener listener) {
    Path file = export.resolve("history.json");
    if (!Files.isRegularFile(file)) {
      return null;
    }
    try {
      return History.read(file);
    } catch (IOException e) {
      String why = e instanceof com.fasterxml.jackson.core.JsonProcessingException j
          ? j.getOriginalMessage().lines().findFirst().orElse("") : IoErrors.describe(e);
      listener.warning("cannot read " + file + " (" + why + "); the report has no training curves");
      return null;
    }
  }
}
