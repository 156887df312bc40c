package org.finetune.data;

import org.finetune.data.Augmentation.Flip;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.image.ImageProjectiveTransformV3;
import org.tensorflow.op.math.Mean;
import org.tensorflow.types.TFloat32;

/**
 * {@link Augmentation} as TensorFlow ops on one {@code [height, width, channels]} image in [0, 255],
 * with the ops Keras' layers run on the TensorFlow backend. The random draws are made in Java
 * ({@link Augmentation#draw}) and fed as {@link #PARAMETERS} floats: [0] flip horizontally (1/0),
 * [1] flip vertically, [2..9] the rotation's and [10..17] the zoom's projective transform, [18] the
 * brightness delta, [19] the contrast factor. Only the changes the augmentation enables are in the
 * graph, so a disabled one costs nothing and cannot round anything.
 */
final class AugmentationOps {

  static final int PARAMETERS = 20;

  private AugmentationOps() {}

  static Operand<TFloat32> apply(Ops tf, Augmentation augmentation, Operand<TFloat32> image, Operand<TFloat32> parameters, ImageSpec spec) {
    Operand<TFloat32> x = image;
    if (augmentation.flip() == Flip.HORIZONTAL || augmentation.flip() == Flip.HORIZONTAL_AND_VERTICAL) {
      x = flip(tf, x, parameters, 0, 1);
    }
    if (augmentation.flip() == Flip.VERTICAL || augmentation.flip() == Flip.HORIZONTAL_AND_VERTICAL) {
      x = flip(tf, x, parameters, 1, 0);
    }
    if (!augmentation.rotation().isZero()) {
      x = transform(tf, x, parameters, 2, spec);
    }
    if (!augmentation.zoom().isZero()) {
      x = transform(tf, x, parameters, 10, spec);
    }
    if (!augmentation.brightness().isZero()) {
      // RandomBrightness: images += delta, then clip to value_range
      x = clip(tf, tf.math.add(x, scalar(tf, parameters, 18)));
    }
    if (!augmentation.contrast().isZero()) {
      // RandomContrast: mean over height, then width (keepdims), (x - mean) * f + mean, clip
      var mean = tf.math.mean(tf.math.mean(x, tf.constant(0), Mean.keepDims(true)), tf.constant(1), Mean.keepDims(true));
      x = clip(tf, tf.math.add(tf.math.mul(tf.math.sub(x, mean), scalar(tf, parameters, 19)), mean));
    }
    return x;
  }

  /** The image reversed along {@code axis} (1: width, i.e. horizontally) when parameter {@code index} is 1. */
  private static Operand<TFloat32> flip(Ops tf, Operand<TFloat32> x, Operand<TFloat32> parameters, int index, int axis) {
    var flipped = tf.reverse(x, tf.constant(new int[] {axis}));
    var yes = tf.math.greater(scalar(tf, parameters, index), tf.constant(0.5f));
    return tf.select(yes, flipped, x);
  }

  /** ImageProjectiveTransformV3 with the 8 parameters from {@code offset}, bilinear, reflect, as keras.ops.image.affine_transform. */
  private static Operand<TFloat32> transform(Ops tf, Operand<TFloat32> x, Operand<TFloat32> parameters, int offset, ImageSpec spec) {
    var matrix = tf.reshape(tf.slice(parameters, tf.constant(new int[] {offset}), tf.constant(new int[] {8})), tf.constant(new int[] {1, 8}));
    var batch = tf.expandDims(x, tf.constant(0));
    var moved = tf.image.imageProjectiveTransformV3(
        batch, matrix, tf.constant(new int[] {spec.height(), spec.width()}), tf.constant(0f), "BILINEAR",
        ImageProjectiveTransformV3.fillMode("REFLECT"));
    return tf.reshape(moved, tf.constant(new long[] {spec.height(), spec.width(), spec.channels()}));
  }

  private static Operand<TFloat32> scalar(Ops tf, Operand<TFloat32> parameters, int index) {
    return tf.reshape(tf.slice(parameters, tf.constant(new int[] {index}), tf.constant(new int[] {1})), tf.constant(new int[0]));
  }

  private static Operand<TFloat32> clip(Ops tf, Operand<TFloat32> x) {
    return tf.clipByValue(x, tf.constant(0f), tf.constant(255f));
  }
}
