package org.finetune.data;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * {@link Preprocessing} as TensorFlow ops on a {@code [height, width, channels]} float image, in
 * the order Keras' numpy {@code preprocess_input} computes, so that float rounding matches too.
 */
final class PreprocessingOps {

  private PreprocessingOps() {}

  static Operand<TFloat32> apply(Ops tf, Preprocessing mode, Operand<TFloat32> rgb) {
    return switch (mode) {
      case CAFFE -> tf.math.sub(tf.reverse(rgb, tf.constant(new int[] {-1})), tf.constant(Preprocessing.CAFFE_MEAN_BGR));
      case TF -> tf.math.sub(tf.math.div(rgb, tf.constant(127.5f)), tf.constant(1f));
      case TORCH -> {
        var unit = tf.math.div(rgb, tf.constant(255f));
        var centred = tf.math.sub(unit, tf.constant(Preprocessing.TORCH_MEAN_RGB));
        yield tf.math.div(centred, tf.constant(Preprocessing.TORCH_STD_RGB));
      }
      case NONE -> tf.identity(rgb);
    };
  }
}
