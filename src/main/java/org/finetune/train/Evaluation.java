package org.finetune.train;

/**
 * Loss and accuracy of the model (without dropout) on a set of images.
 *
 * @param images images evaluated (unreadable ones are skipped and not counted)
 * @param correct images whose most probable class is their label; for a multi-label task,
 *     correct decisions (image and label), of {@code images} x labels
 * @param multiLabel the multi-label figures at the task's threshold; null for a single-label task
 */
public record Evaluation(double loss, double accuracy, long images, long correct, MultiLabelMetrics multiLabel) {

  public Evaluation(double loss, double accuracy, long images, long correct) {
    this(loss, accuracy, images, correct, null);
  }

  static Evaluation empty() {
    return new Evaluation(Double.NaN, Double.NaN, 0, 0);
  }
}
