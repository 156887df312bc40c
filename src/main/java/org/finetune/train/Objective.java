package org.finetune.train;

import java.util.List;
import org.finetune.data.ImageEntry;
import org.tensorflow.Operand;
import org.tensorflow.Tensor;
import org.tensorflow.framework.losses.BinaryCrossentropy;
import org.tensorflow.framework.losses.CategoricalCrossentropy;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * What a training graph fits the head's logits to, per {@link LabelTask}: the target placeholder
 * ({@code labels}), the loss, the count of correct decisions and, for a multi-label task, the
 * per-label counts the final metrics need.
 *
 * <ul>
 *   <li>single-label: int32 class indices {@code [batch]}, one-hot, the framework's {@code
 *       CategoricalCrossentropy(fromLogits=true, labelSmoothing)}; correct = argmax equals the label;
 *   <li>multi-label: a float multi-hot {@code [batch, labels]}, the framework's {@code
 *       BinaryCrossentropy(fromLogits=true, labelSmoothing)}; correct = decisions where {@code
 *       sigmoid(logit) > threshold} equals the target (Keras' {@code binary_accuracy}, summed).
 * </ul>
 */
final class Objective {

  private final LabelTask task;
  private final Placeholder<?> labels;
  private final Operand<TFloat32> target; // one-hot or multi-hot, [batch, outputs]
  private final float labelSmoothing;

  Objective(Ops tf, LabelTask task, double labelSmoothing) {
    this.task = task;
    this.labelSmoothing = (float) labelSmoothing;
    if (task.multiLabel()) {
      Placeholder<TFloat32> multiHot =
          tf.withName("labels").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, task.outputs())));
      labels = multiHot;
      target = multiHot;
    } else {
      Placeholder<TInt32> classes = tf.withName("labels").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
      labels = classes;
      target = tf.oneHot(classes, tf.constant(task.outputs()), tf.constant(1f), tf.constant(0f));
    }
  }

  LabelTask task() {
    return task;
  }

  /** The placeholder the targets of a batch ({@link #targets}) are fed to. */
  Placeholder<?> labels() {
    return labels;
  }

  /** The mean loss over the batch (without regularisation). */
  Operand<TFloat32> loss(Ops tf, Operand<TFloat32> logits) {
    if (task.multiLabel()) {
      return new BinaryCrossentropy(true, labelSmoothing).call(tf, target, logits);
    }
    return new CategoricalCrossentropy(true, labelSmoothing).call(tf, target, logits);
  }

  /**
   * The mean over the batch of each image's loss times its weight (Keras' {@code sample_weight}:
   * the sum still divided by the batch size).
   */
  Operand<TFloat32> loss(Ops tf, Operand<TFloat32> logits, Operand<TFloat32> sampleWeights) {
    if (task.multiLabel()) {
      return new BinaryCrossentropy(true, labelSmoothing).call(tf, target, logits, sampleWeights);
    }
    return new CategoricalCrossentropy(true, labelSmoothing).call(tf, target, logits, sampleWeights);
  }

  /** Single-label only: the batch's class indices, {@code [batch]}. */
  @SuppressWarnings("unchecked")
  Operand<TInt32> classIndices() {
    if (task.multiLabel()) {
      throw new IllegalStateException("a multi-label task has no class index per image");
    }
    return (Operand<TInt32>) labels;
  }

  /** Correct decisions in the batch, a float scalar: images, or image-label pairs for multi-label. */
  Operand<TFloat32> correct(Ops tf, Operand<TFloat32> logits) {
    if (task.multiLabel()) {
      Operand<TBool> agree = tf.math.equal(predicted(tf, logits), tf.math.greater(target, tf.constant(0.5f)));
      return tf.reduceSum(tf.dtypes.cast(agree, TFloat32.class), tf.constant(new int[] {0, 1}));
    }
    @SuppressWarnings("unchecked")
    Operand<TInt32> classes = (Operand<TInt32>) labels;
    Operand<TInt32> predicted = tf.math.argMax(logits, tf.constant(1), TInt32.class);
    return tf.reduceSum(tf.dtypes.cast(tf.math.equal(predicted, classes), TFloat32.class), tf.constant(0));
  }

  /**
   * Multi-label only: per-label true positives, false positives and false negatives in the batch at
   * the threshold, as a float {@code [3, labels]}.
   */
  Operand<TFloat32> labelCounts(Ops tf, Operand<TFloat32> logits) {
    Operand<TFloat32> p = tf.dtypes.cast(predicted(tf, logits), TFloat32.class);
    Operand<TFloat32> y = tf.dtypes.cast(tf.math.greater(target, tf.constant(0.5f)), TFloat32.class);
    Operand<TFloat32> notP = tf.math.sub(tf.constant(1f), p);
    Operand<TFloat32> notY = tf.math.sub(tf.constant(1f), y);
    Operand<TInt32> batch = tf.constant(0);
    return tf.stack(List.of(
        tf.reduceSum(tf.math.mul(p, y), batch),
        tf.reduceSum(tf.math.mul(p, notY), batch),
        tf.reduceSum(tf.math.mul(notP, y), batch)));
  }

  /** sigmoid(logits) > threshold, as Keras thresholds probabilities. */
  private Operand<TBool> predicted(Ops tf, Operand<TFloat32> logits) {
    return tf.math.greater(tf.math.sigmoid(logits), tf.constant((float) task.threshold()));
  }

  /** The targets of {@code batch} for {@link #labels()}; the caller closes the tensor. */
  Tensor targets(List<ImageEntry> batch) {
    return targets(task, batch);
  }

  static Tensor targets(LabelTask task, List<ImageEntry> batch) {
    if (!task.multiLabel()) {
      return TInt32.vectorOf(batch.stream().mapToInt(ImageEntry::label).toArray());
    }
    int outputs = task.outputs();
    float[] multiHot = new float[batch.size() * outputs];
    for (int i = 0; i < batch.size(); i++) {
      List<Integer> set = batch.get(i).labelSet();
      if (set == null) {
        throw new IllegalArgumentException(batch.get(i).location() + " has no label set, but the task is multi-label");
      }
      for (int label : set) {
        multiHot[i * outputs + label] = 1f;
      }
    }
    return TFloat32.tensorOf(Shape.of(batch.size(), outputs), DataBuffers.of(multiHot, true, false));
  }
}
