package org.finetune.head;

import java.util.ArrayList;
import java.util.List;
import org.finetune.error.FineTuneException;
import org.tensorflow.Operand;
import org.tensorflow.framework.initializers.Zeros;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * The classification head in one graph: its variables, and the ops that apply it to features,
 * with dropout (training) or without (inference). Both paths share the same variables, so the
 * training graph evaluates validation data without dropout and the export graph holds the
 * inference path alone.
 *
 * <p>Variable op names are flat ({@code head.dense.kernel}): the optimizer derives slot names
 * from them and rejects names holding '/'.
 */
public final class Head {

  public static final String DENSE_KERNEL = "head.dense.kernel";
  public static final String DENSE_BIAS = "head.dense.bias";
  public static final String LOGITS_KERNEL = "head.logits.kernel";
  public static final String LOGITS_BIAS = "head.logits.bias";

  private final HeadConfig config;
  private final int classes;
  private final Variable<TFloat32> denseKernel;
  private final Variable<TFloat32> denseBias;
  private final Variable<TFloat32> logitsKernel;
  private final Variable<TFloat32> logitsBias;

  /** Makes a named [rows, cols] or [cols] variable, with or without an initialiser. */
  private interface VariableMaker {
    Variable<TFloat32> make(String name, long[] shape, long seed);
  }

  private Head(HeadConfig config, int classes, long seed, long featureSize, VariableMaker maker) {
    this.config = config;
    this.classes = classes;
    long logitsIn = featureSize;
    if (config.hasHiddenLayer()) {
      denseKernel = maker.make(DENSE_KERNEL, new long[] {featureSize, config.denseUnits()}, seed);
      denseBias = maker.make(DENSE_BIAS, new long[] {config.denseUnits()}, seed);
      logitsIn = config.denseUnits();
    } else {
      denseKernel = null;
      denseBias = null;
    }
    logitsKernel = maker.make(LOGITS_KERNEL, new long[] {logitsIn, classes}, seed + 1);
    logitsBias = maker.make(LOGITS_BIAS, new long[] {classes}, seed + 1);
  }

  /**
   * Creates the head's variables in {@code tf}'s graph, initialised Glorot uniform (kernels) and
   * zero (biases) when the session initialises.
   *
   * @param featureShape static shape of the base's output: [batch, h, w, c] or [batch, features]
   */
  public static Head create(Ops tf, HeadConfig config, Shape featureShape, int classes, long seed) {
    return new Head(config, checkClasses(classes), seed, pooledSize(config.pooling(), featureShape),
        (name, shape, s) -> shape.length == 2 ? kernel(tf, name, shape, s) : bias(tf, name, shape));
  }

  /**
   * Creates the head's variables without initialisers, for a graph whose values are restored from
   * a checkpoint: the export holds no initialisation ops.
   */
  public static Head uninitialized(Ops tf, HeadConfig config, Shape featureShape, int classes) {
    return new Head(config, checkClasses(classes), 0, pooledSize(config.pooling(), featureShape),
        (name, shape, s) -> tf.withName(name).variable(Shape.of(shape), TFloat32.class));
  }

  private static int checkClasses(int classes) {
    if (classes < 2) {
      throw FineTuneException.badData("A classifier needs at least two classes, got " + classes);
    }
    return classes;
  }

  /** Size of the feature vector after pooling. */
  static long pooledSize(Pooling pooling, Shape features) {
    long[] dims = features.asArray();
    if (dims.length == 2 && dims[1] > 0) {
      return dims[1]; // already a vector: pooling has nothing to do
    }
    if (dims.length != 4 || dims[1] <= 0 || dims[2] <= 0 || dims[3] <= 0) {
      throw FineTuneException.badModel(
          "The head needs base features of shape [batch, height, width, channels] or [batch, features] with"
              + " known sizes, got " + features);
    }
    return pooling == Pooling.FLATTEN ? dims[1] * dims[2] * dims[3] : dims[3];
  }

  /** Logits without dropout: the inference path. */
  public Operand<TFloat32> logits(Ops tf, Operand<TFloat32> features) {
    return logits(tf, features, null);
  }

  /**
   * Logits with dropout when {@code dropoutSeed} is given: the training path.
   *
   * @param dropoutSeed a [2] int64 seed fed for each step (e.g. [run seed, step]); the mask is a
   *     stateless function of it, so a resumed run draws the masks an uninterrupted one would
   */
  public Operand<TFloat32> logits(Ops tf, Operand<TFloat32> features, Operand<TInt64> dropoutSeed) {
    Operand<TFloat32> x = pool(tf, features);
    if (config.hasHiddenLayer()) {
      x = tf.nn.relu(tf.nn.biasAdd(tf.linalg.matMul(x, denseKernel), denseBias));
      if (dropoutSeed != null && config.dropoutRate() > 0) {
        x = dropout(tf, x, dropoutSeed);
      }
    }
    return tf.nn.biasAdd(tf.linalg.matMul(x, logitsKernel), logitsBias);
  }

  /** Class probabilities without dropout: the inference path. */
  public Operand<TFloat32> probabilities(Ops tf, Operand<TFloat32> features) {
    return tf.nn.softmax(logits(tf, features));
  }

  private Operand<TFloat32> pool(Ops tf, Operand<TFloat32> features) {
    if (features.shape().numDimensions() == 2) {
      return features;
    }
    return switch (config.pooling()) {
      case FLATTEN -> tf.reshape(features, tf.constant(new long[] {-1, pooledSize(Pooling.FLATTEN, features.shape())}));
      case AVG -> tf.math.mean(features, tf.constant(new int[] {1, 2}));
      case MAX -> tf.max(features, tf.constant(new int[] {1, 2}));
    };
  }

  /** Inverted dropout: keep each unit with probability 1 - rate and scale kept ones by 1 / (1 - rate), as Keras does. */
  private Operand<TFloat32> dropout(Ops tf, Operand<TFloat32> x, Operand<TInt64> dropoutSeed) {
    float keep = (float) (1 - config.dropoutRate());
    Operand<TFloat32> uniform = tf.random.statelessRandomUniform(tf.shape(x), dropoutSeed, TFloat32.class);
    Operand<TFloat32> mask = tf.math.floor(tf.math.add(uniform, tf.constant(keep)));
    return tf.math.mul(x, tf.math.mul(mask, tf.constant(1f / keep)));
  }

  /** The head's variables, in a fixed order. */
  public List<Variable<TFloat32>> variables() {
    List<Variable<TFloat32>> vars = new ArrayList<>();
    if (denseKernel != null) {
      vars.add(denseKernel);
      vars.add(denseBias);
    }
    vars.add(logitsKernel);
    vars.add(logitsBias);
    return vars;
  }

  public List<String> variableNames() {
    return variables().stream().map(v -> v.op().name()).toList();
  }

  public HeadConfig config() {
    return config;
  }

  public int classes() {
    return classes;
  }

  private static Variable<TFloat32> kernel(Ops tf, String name, long[] shape, long seed) {
    Operand<TFloat32> init = new GlorotUniform(seed).call(tf, tf.constant(shape), TFloat32.class);
    return tf.withName(name).variable(init);
  }

  private static Variable<TFloat32> bias(Ops tf, String name, long[] shape) {
    Operand<TFloat32> init = new Zeros<TFloat32>().call(tf, tf.constant(shape), TFloat32.class);
    return tf.withName(name).variable(init);
  }
}
