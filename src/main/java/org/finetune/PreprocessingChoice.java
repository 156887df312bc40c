package org.finetune;

import java.util.Optional;
import org.finetune.data.ModelFamily;
import org.finetune.data.Preprocessing;
import org.finetune.model.BaseNetwork;
import org.finetune.model.LayerInfo;

/**
 * The preprocessing a run uses and how it was chosen: given by the user (as a mode or a model
 * family) or guessed from the base's layer names.
 *
 * @param family the model family (e.g. mobilenet_v2), or null when given as a bare mode or unknown
 * @param guessed true when nobody named it
 */
public record PreprocessingChoice(Preprocessing mode, String family, boolean guessed) {

  /** Uses {@code name} if given, else guesses from {@code base}; falls back to none. */
  public static PreprocessingChoice resolve(String name, BaseNetwork base) {
    if (name != null && !name.isBlank()) {
      Optional<ModelFamily> family = ModelFamily.find(name);
      return family
          .map(f -> new PreprocessingChoice(f.preprocessing(), f.name(), false))
          .orElseGet(() -> new PreprocessingChoice(Preprocessing.parse(name), null, false));
    }
    return ModelFamily.guess(base.layers().stream().map(LayerInfo::name).toList())
        .map(f -> new PreprocessingChoice(f.preprocessing(), f.name(), true))
        .orElse(new PreprocessingChoice(Preprocessing.NONE, null, true));
  }

  /** True when it was guessed and nothing was recognised. */
  public boolean unknown() {
    return guessed && family == null;
  }

  /** "mobilenet_v2 -> tf (guessed from the layer names)". */
  public String describe() {
    String what = (family == null ? "" : family + " -> ") + mode.modeName() + " (" + explain(mode) + ")";
    if (unknown()) {
      return "none: the layer names match no known Keras application; pass --preprocess if the model expects"
          + " scaled input";
    }
    return what + (guessed ? ", guessed from the layer names" : "");
  }

  private static String explain(Preprocessing mode) {
    return switch (mode) {
      case CAFFE -> "RGB to BGR, ImageNet means subtracted";
      case TF -> "pixels scaled to [-1, 1]";
      case TORCH -> "pixels scaled to [0, 1], normalised by ImageNet mean and std";
      case NONE -> "pixels passed as 0..255";
    };
  }
}
