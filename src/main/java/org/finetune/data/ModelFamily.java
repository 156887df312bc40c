package org.finetune.data;

import static org.finetune.data.Preprocessing.CAFFE;
import static org.finetune.data.Preprocessing.NONE;
import static org.finetune.data.Preprocessing.TF;
import static org.finetune.data.Preprocessing.TORCH;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A Keras application family and the {@code preprocess_input} mode its module applies.
 *
 * @param name the Keras module or model name, e.g. {@code mobilenet_v2} or {@code resnet101}
 * @param preprocessing the mode {@code keras.applications.<name>.preprocess_input} uses
 */
public record ModelFamily(String name, Preprocessing preprocessing) {

  private static final List<ModelFamily> ALL =
      List.of(
          new ModelFamily("vgg16", CAFFE),
          new ModelFamily("vgg19", CAFFE),
          new ModelFamily("resnet", CAFFE),
          new ModelFamily("resnet50", CAFFE),
          new ModelFamily("resnet101", CAFFE),
          new ModelFamily("resnet152", CAFFE),
          new ModelFamily("resnet_v2", TF),
          new ModelFamily("resnet50_v2", TF),
          new ModelFamily("resnet101_v2", TF),
          new ModelFamily("resnet152_v2", TF),
          new ModelFamily("mobilenet", TF),
          new ModelFamily("mobilenet_v2", TF),
          new ModelFamily("inception_v3", TF),
          new ModelFamily("inception_resnet_v2", TF),
          new ModelFamily("xception", TF),
          new ModelFamily("nasnet", TF),
          new ModelFamily("densenet", TORCH),
          new ModelFamily("densenet121", TORCH),
          new ModelFamily("densenet169", TORCH),
          new ModelFamily("densenet201", TORCH),
          new ModelFamily("mobilenet_v3", NONE),
          new ModelFamily("efficientnet", NONE),
          new ModelFamily("efficientnet_v2", NONE),
          new ModelFamily("convnext", NONE));

  public ModelFamily {
    if (name == null || name.isBlank() || preprocessing == null) {
      throw new IllegalArgumentException("a model family needs a name and a preprocessing mode");
    }
  }

  /** The known families, in the order error messages list them. */
  public static List<ModelFamily> all() {
    return ALL;
  }

  /**
   * The family called {@code name}, ignoring case, underscores and dashes, so that the Keras class
   * name ({@code MobileNetV2}) finds the module name ({@code mobilenet_v2}).
   */
  public static Optional<ModelFamily> find(String name) {
    String key = key(name);
    return ALL.stream().filter(f -> key(f.name).equals(key)).findFirst();
  }

  /**
   * Recognises a Keras application from its layer names (VGG, ResNet, MobileNet, ...); empty when
   * the names match none of them.
   */
  public static Optional<ModelFamily> guess(List<String> layerNames) {
    return FamilyGuesser.guess(layerNames).flatMap(ModelFamily::find);
  }

  private static String key(String name) {
    return name == null ? "" : name.replaceAll("[_\\-\\s]", "").toLowerCase(Locale.ROOT);
  }

  @Override
  public String toString() {
    return name + " (" + preprocessing + ")";
  }
}
