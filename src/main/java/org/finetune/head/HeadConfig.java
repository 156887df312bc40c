package org.finetune.head;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.finetune.error.FineTuneException;

/**
 * The new head: pooling, then any sequence of hidden layers, then the output Dense (softmax for
 * one label per image, sigmoid for several); with L2 regularisation of every Dense kernel and
 * label smoothing in the loss. The default follows the reference tutorial: Flatten, Dense(1024,
 * relu), Dropout(0.5).
 *
 * @param pooling how the feature map becomes a vector
 * @param layers the hidden layers, in order (the output Dense is not one of them)
 * @param l2 Keras' {@code kernel_regularizer=l2(l2)} on every Dense kernel: adds {@code l2 * sum(w^2)} to the loss; 0 for none
 * @param labelSmoothing Keras' {@code label_smoothing} of the cross-entropy, in [0, 1)
 */
public record HeadConfig(Pooling pooling, List<HeadLayer> layers, double l2, double labelSmoothing) {

  public static final int DEFAULT_DENSE_UNITS = 1024;
  public static final double DEFAULT_DROPOUT = 0.5;
  public static final HeadConfig DEFAULT = new HeadConfig(Pooling.FLATTEN, DEFAULT_DENSE_UNITS, DEFAULT_DROPOUT);

  public HeadConfig {
    if (pooling == null) {
      throw FineTuneException.badOption("Head pooling must be given");
    }
    if (layers == null || layers.stream().anyMatch(java.util.Objects::isNull)) {
      throw FineTuneException.badOption("Head layers must be given (an empty list for none)");
    }
    layers = List.copyOf(layers);
    if (!(l2 >= 0 && Double.isFinite(l2))) {
      throw FineTuneException.badOption("l2 must be >= 0, found " + l2);
    }
    if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
      throw FineTuneException.badOption("label smoothing must be in [0, 1), found " + labelSmoothing);
    }
  }

  /**
   * The tutorial's shape: pooling, then Dense(denseUnits, relu) and Dropout(dropoutRate), or no
   * hidden layer when denseUnits is 0 (the {@code --dense} and {@code --dropout} options).
   */
  public HeadConfig(Pooling pooling, int denseUnits, double dropoutRate) {
    this(pooling, hiddenLayers(denseUnits, dropoutRate), 0, 0);
  }

  private static List<HeadLayer> hiddenLayers(int denseUnits, double dropoutRate) {
    if (denseUnits < 0) {
      throw FineTuneException.badOption("--dense must be >= 0 (0 means no hidden layer), got " + denseUnits);
    }
    if (!(dropoutRate >= 0 && dropoutRate < 1)) {
      throw FineTuneException.badOption("--dropout must be in [0, 1), got " + dropoutRate);
    }
    List<HeadLayer> layers = new ArrayList<>();
    if (denseUnits > 0) {
      layers.add(new HeadLayer.Dense(denseUnits, HeadLayer.Activation.RELU));
      layers.add(new HeadLayer.Dropout(dropoutRate));
    }
    return layers;
  }

  public HeadConfig withL2(double factor) {
    return new HeadConfig(pooling, layers, factor, labelSmoothing);
  }

  public HeadConfig withLabelSmoothing(double smoothing) {
    return new HeadConfig(pooling, layers, l2, smoothing);
  }

  /** "flatten -> dense(1024, relu) -> dropout(0.5) -> dense(5, softmax)". */
  public String describe(int classes, OutputActivation output) {
    List<String> parts = new ArrayList<>();
    parts.add(pooling.specName());
    layers.forEach(l -> parts.add(l.describe()));
    parts.add("dense(" + classes + ", " + output.specName() + ")");
    String extras = (l2 > 0 ? ", l2 " + l2 : "") + (labelSmoothing > 0 ? ", label smoothing " + labelSmoothing : "");
    return String.join(" -> ", parts) + (extras.isEmpty() ? "" : " (" + extras.substring(2) + ")");
  }

  /** As {@link #describe(int, OutputActivation)} with softmax. */
  public String describe(int classes) {
    return describe(classes, OutputActivation.SOFTMAX);
  }

  /** The hidden layers as the spec writes them, comma-separated: {@code dense(256, relu), dropout(0.3)}. */
  public String layersSpec() {
    return layers.stream().map(HeadLayer::describe).collect(Collectors.joining(", "));
  }
}
