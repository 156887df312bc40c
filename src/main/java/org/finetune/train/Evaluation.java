package org.finetune.train;

/**
 * Loss and accuracy of the model (without dropout) on a set of images.
 *
 * @param images images evaluated (unreadable ones are skipped and not counted)
 * @param correct images whose most probable class is their label
 */
public record Evaluation(double loss, double accuracy, long images, long correct) {

  static Evaluation empty() {
    return new Evaluation(Double.NaN, Double.NaN, 0, 0);
  }
}
