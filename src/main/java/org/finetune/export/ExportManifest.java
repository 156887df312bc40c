package org.finetune.export;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * What {@code finetune.json} records next to an export: where the base came from, the head, the
 * preprocessing a client must apply, the hyperparameters, the classes, the final metrics and the
 * library versions. Enough to reproduce the run and to use the export correctly.
 *
 * <p>{@code task} is {@value #MULTI_LABEL} for a multi-label export (sigmoid outputs, one
 * probability per label; a label is predicted when its probability is above {@code threshold});
 * both are absent for a single-label one.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ExportManifest(
    int formatVersion,
    BaseModel baseModel,
    Head head,
    Preprocessing preprocessing,
    Map<String, Object> hyperparameters,
    List<String> classNames,
    Map<String, Double> metrics,
    Serving serving,
    Map<String, String> versions,
    String createdAt,
    String task,
    Double threshold) {

  public static final int FORMAT_VERSION = 1;
  public static final String MULTI_LABEL = "multi_label";

  /** Whether the export is multi-label: sigmoid probabilities, one per label. */
  public boolean multiLabel() {
    return MULTI_LABEL.equals(task);
  }

  public ExportManifest {
    classNames = List.copyOf(classNames);
  }

  /**
   * The base model: its directory, a SHA-256 over its files, its serving input, and the output
   * the head sits on (an earlier layer's when the strategy cut the base) with the parameters kept.
   */
  public record BaseModel(String path, String sha256, List<Long> inputShape, List<Long> outputShape, long params) {}

  /**
   * The head as built: {@code spec} exactly as a head spec file ({@code --head-file}) holds it,
   * then the output layer the classes or labels add.
   */
  public record Head(Map<String, Object> spec, int outputs, String activation, String description) {}

  /**
   * The preprocessing the export expects its input to have had.
   *
   * @param mode the Keras {@code preprocess_input} mode: caffe, tf, torch or none
   * @param family the model family it came from (e.g. mobilenet_v2), or null when given as a mode
   * @param guessed true when it was guessed from the base's layer names
   */
  public record Preprocessing(String mode, String family, boolean guessed, String description) {}

  /** The serving signature clients call. */
  public record Serving(String signature, String methodName, String inputKey, List<Long> inputShape, List<String> outputs) {}
}
