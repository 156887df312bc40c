package org.finetune.data;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.finetune.error.FineTuneException;

/**
 * The pixel scalings of Keras' {@code preprocess_input}, applied to float RGB values in [0, 255]
 * after resizing. A model only gives sensible answers on the scaling it was trained with.
 */
public enum Preprocessing {
  /** RGB to BGR, then minus the ImageNet means in BGR order (vgg16, vgg19, resnet50, ...). */
  CAFFE("caffe"),
  /** {@code x / 127.5 - 1}, into [-1, 1] (mobilenet, mobilenet_v2, inception_v3, xception, ...). */
  TF("tf"),
  /** {@code x / 255}, minus the ImageNet means, divided by their deviations, in RGB (densenet). */
  TORCH("torch"),
  /** Unchanged: the model scales its own input (efficientnet, mobilenet_v3, convnext). */
  NONE("none");

  /** ImageNet channel means as Keras' caffe mode subtracts them, in BGR order. */
  static final float[] CAFFE_MEAN_BGR = {103.939f, 116.779f, 123.68f};
  /** ImageNet channel means and deviations of the torch mode, in RGB order, on [0, 1] values. */
  static final float[] TORCH_MEAN_RGB = {0.485f, 0.456f, 0.406f};
  static final float[] TORCH_STD_RGB = {0.229f, 0.224f, 0.225f};

  private final String modeName;

  Preprocessing(String modeName) {
    this.modeName = modeName;
  }

  /** The Keras mode name: caffe, tf, torch or none. */
  public String modeName() {
    return modeName;
  }

  /**
   * A mode name ({@code caffe, tf, torch, none}) or a model family ({@code vgg16, mobilenet_v2,
   * densenet121}, also spelled like the Keras class, {@code MobileNetV2}), any case.
   */
  public static Preprocessing parse(String name) {
    String wanted = name == null ? "" : name.trim();
    for (Preprocessing mode : values()) {
      if (mode.modeName.equalsIgnoreCase(wanted)) {
        return mode;
      }
    }
    return ModelFamily.find(wanted)
        .map(ModelFamily::preprocessing)
        .orElseThrow(
            () ->
                FineTuneException.badOption(
                    "unknown preprocessing '" + name + "': expected one of " + String.join(", ", validNames())));
  }

  /** Every name {@link #parse} accepts, modes first, in the spelling Keras uses. */
  public static List<String> validNames() {
    List<String> names = new ArrayList<>();
    Stream.of(values()).map(Preprocessing::modeName).forEach(names::add);
    ModelFamily.all().stream().map(ModelFamily::name).forEach(names::add);
    return names;
  }

  /** Whether this mode works on {@code channels}: caffe and torch are defined for RGB only. */
  public boolean supportsChannels(int channels) {
    return channels == 3 || this == TF || this == NONE;
  }

  /** Rejects a channel count this mode is not defined for, with a message that says why. */
  public void requireChannels(int channels) {
    if (!supportsChannels(channels)) {
      throw FineTuneException.badOption(
          "preprocessing '"
              + modeName
              + "' needs 3-channel RGB images, found "
              + channels
              + " channel(s); use 'tf' or 'none' for grayscale models");
    }
  }

  @Override
  public String toString() {
    return modeName;
  }
}
