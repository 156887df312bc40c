package org.finetune.head;

import org.tensorflow.Operand;
import org.tensorflow.framework.initializers.Initializer;
import org.tensorflow.framework.utils.ShapeUtils;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Glorot (Xavier) uniform initialisation as Keras does it: uniform in [-limit, limit) with limit =
 * sqrt(6 / (fan_in + fan_out)), seeded and stateless so the same seed gives the same weights.
 *
 * <p>It implements the framework's {@link Initializer} interface. The framework's own {@code
 * Glorot(UNIFORM)} in TF Java 1.1.0 draws from [0, limit) instead (it scales a [0, 1) uniform
 * without centring it; measured: min 5e-5, max 0.1999, mean 0.100 for limit 0.2), which starts
 * every weight positive.
 */
final class GlorotUniform implements Initializer<TFloat32> {

  private final long seed;

  GlorotUniform(long seed) {
    this.seed = seed;
  }

  @Override
  public Operand<TFloat32> call(Ops tf, Operand<TInt64> dims, Class<TFloat32> type) {
    Shape shape = ShapeUtils.toShape(tf.scope(), dims);
    if (shape.numDimensions() != 2) {
      throw new IllegalArgumentException("Glorot initialisation here is for Dense kernels [in, out], got " + shape);
    }
    float limit = (float) Math.sqrt(6.0 / (shape.size(0) + shape.size(1)));
    Operand<TFloat32> unit = tf.random.statelessRandomUniform(dims, tf.constant(new long[] {seed, 0}), type);
    // [0, 1) -> [-limit, limit)
    return tf.math.sub(tf.math.mul(unit, tf.constant(2 * limit)), tf.constant(limit));
  }
}
