package org.finetune;

import java.nio.file.Path;
import java.util.List;
import org.finetune.train.Evaluation;
import org.finetune.train.History;

/**
 * What a finished run produced.
 *
 * @param exportDir the version directory written, {@code <output>/<version>}
 * @param test test-set evaluation, or null when no test data was given
 */
public record FineTuneResult(
    Path exportDir,
    List<String> classNames,
    PreprocessingChoice preprocessing,
    History history,
    Evaluation validation,
    Evaluation test,
    int skippedImages) {}
