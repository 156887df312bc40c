package org.finetune.recommend;

/**
 * One point of a similarity profile through the base.
 *
 * @param layer the Keras layer name
 * @param value what the measure found there: for batch-norm statistics the divergence of the
 *     layer's input from its stored statistics (0 = the same); for features the share of images
 *     the layer's features classify correctly
 */
public record LayerScore(String layer, double value) {

  public LayerScore {
    if (layer == null || layer.isBlank() || Double.isNaN(value)) {
      throw new IllegalArgumentException("expected a layer name and a number, found '" + layer + "' and " + value);
    }
  }
}
