package org.finetune;

import java.nio.file.Path;
import java.util.List;
import org.finetune.train.Evaluation;
import org.finetune.train.History;

/**
 * What a finished run produced.
 *
 * @param exportDir the version directory written, {@code <output>/<version>}
 * @param classNames the classes, or for a multi-label run the labels, in the model's output order
 * @param test test-set evaluation, or null when no test data was given
 * @param multiLabel whether the model is multi-label (sigmoid outputs, one per label)
 */
public record FineTuneResult(
    Path exportDir,
    List<String> classNames,
    PreprocessingChoice preprocessing,
    History history,
    Evaluation validation,
    Evaluation test,
    int skippedImages,
    boolean multiLabel) {

  public FineTuneResult(
      Path exportDir, List<String> classNames, PreprocessingChoice preprocessing, History history,
      Evaluation validation, Evaluation test, int skippedImages) {
    this(exportDir, classNames, preprocessing, history, validation, test, skippedImages, false);
  }
}
