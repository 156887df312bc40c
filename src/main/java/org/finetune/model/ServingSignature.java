package org.finetune.model;

import java.util.List;
import org.finetune.error.FineTuneException;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.SignatureDef;

/**
 * The {@code serving_default} signature of a base model, checked to be what the fine-tuner can
 * use: one float image input of shape [batch, height, width, channels] with known height, width and
 * channels, and one float output.
 */
public record ServingSignature(String methodName, TensorSpec input, TensorSpec output) {

  public static final String KEY = "serving_default";

  public int height() {
    return (int) input.shape()[1];
  }

  public int width() {
    return (int) input.shape()[2];
  }

  public int channels() {
    return (int) input.shape()[3];
  }

  static ServingSignature of(String modelDir, SignatureDef def) {
    List<TensorSpec> inputs =
        def.getInputsMap().entrySet().stream().map(e -> TensorSpec.of(e.getKey(), e.getValue())).toList();
    List<TensorSpec> outputs =
        def.getOutputsMap().entrySet().stream().map(e -> TensorSpec.of(e.getKey(), e.getValue())).toList();
    if (inputs.size() != 1) {
      throw FineTuneException.badModel(
          "Model " + modelDir + ": expected one image input in '" + KEY + "', found " + inputs.size() + ": " + inputs);
    }
    TensorSpec input = inputs.get(0);
    if (!isImageInput(input)) {
      throw FineTuneException.badModel(
          "Model " + modelDir + ": expected a 4-D float32 image input [batch, height, width, channels] with known"
              + " height, width and channels, found '" + input.key() + "' " + input.dtypeName() + " "
              + input.shapeText());
    }
    if (outputs.size() != 1) {
      throw FineTuneException.badModel(
          "Model " + modelDir + ": expected one output in '" + KEY + "', found " + outputs.size() + ": " + outputs);
    }
    TensorSpec output = outputs.get(0);
    if (output.dtype() != DataType.DT_FLOAT) {
      throw FineTuneException.badModel(
          "Model " + modelDir + ": expected a float32 output, found '" + output.key() + "' " + output.dtypeName());
    }
    return new ServingSignature(def.getMethodName(), input, output);
  }

  private static boolean isImageInput(TensorSpec input) {
    if (input.dtype() != DataType.DT_FLOAT || input.rank() != 4) {
      return false;
    }
    long[] s = input.shape();
    return s[1] > 0 && s[2] > 0 && s[3] > 0;
  }
}
