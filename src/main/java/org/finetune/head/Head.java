package org.finetune.head;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.finetune.error.FineTuneException;
import org.tensorflow.Operand;
import org.tensorflow.framework.initializers.Ones;
import org.tensorflow.framework.initializers.Zeros;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * The head in one graph: its variables, and the ops that apply it to features, with dropout and
 * batch statistics (training) or without (inference). Both paths share the same variables, so the
 * training graph evaluates validation data the way the export will, and the export graph holds
 * the inference path alone.
 *
 * <p>Variable op names are flat and follow Keras' layer naming ({@code head.dense.kernel}, {@code
 * head.dense_1.kernel}, {@code head.batch_norm.gamma}): the optimizer derives slot names from them
 * and rejects names holding '/'.
 */
public final class Head {

  public static final String DENSE_KERNEL = "head.dense.kernel";
  public static final String DENSE_BIAS = "head.dense.bias";
  public static final String LOGITS_KERNEL = "head.logits.kernel";
  public static final String LOGITS_BIAS = "head.logits.bias";

  /**
   * More weights than this is a typo, not a head: 8 GiB of float32, and training holds each weight
   * four times (value, gradient, Adam's two moments).
   */
  public static final long MAX_WEIGHTS = Integer.MAX_VALUE;

  private final HeadConfig config;
  private final int outputs;
  private final OutputActivation activation;
  private final List<Built> layers = new ArrayList<>();
  private final Variable<TFloat32> logitsKernel;
  private final Variable<TFloat32> logitsBias;

  /** The training path's output: logits, and the ops each step must also run (batch norm's moving averages). */
  public record Forward(Operand<TFloat32> logits, List<Op> updates) {}

  private enum Init { GLOROT, ZEROS, ONES }

  /** Makes a named variable, with or without an initialiser. */
  private interface VariableMaker {
    Variable<TFloat32> make(String name, long[] shape, Init init, long seed);
  }

  /** A hidden layer with its variables (none for dropout). */
  private record Built(HeadLayer layer, String name, List<Variable<TFloat32>> variables) {
    Variable<TFloat32> var(int i) {
      return variables.get(i);
    }
  }

  private Head(HeadConfig config, int outputs, OutputActivation activation, long seed, long featureSize, VariableMaker maker) {
    requireSize(config, featureSize, outputs);
    this.config = config;
    this.outputs = outputs;
    this.activation = activation;
    long width = featureSize;
    int dense = 0;
    int norms = 0;
    for (HeadLayer layer : config.layers()) {
      if (layer instanceof HeadLayer.Dense d) {
        String name = "head." + keras("dense", dense);
        // The first Dense keeps the seed it always had, the output Dense seed + 1, so adding
        // layers does not change how the tutorial's head starts.
        long s = dense == 0 ? seed : seed + 1 + dense;
        layers.add(new Built(layer, name, List.of(
            maker.make(name + ".kernel", new long[] {width, d.units()}, Init.GLOROT, s),
            maker.make(name + ".bias", new long[] {d.units()}, Init.ZEROS, s))));
        width = d.units();
        dense++;
      } else if (layer instanceof HeadLayer.BatchNorm) {
        String name = "head." + keras("batch_norm", norms++);
        long[] shape = {width};
        layers.add(new Built(layer, name, List.of(
            maker.make(name + ".gamma", shape, Init.ONES, 0),
            maker.make(name + ".beta", shape, Init.ZEROS, 0),
            maker.make(name + ".moving_mean", shape, Init.ZEROS, 0),
            maker.make(name + ".moving_variance", shape, Init.ONES, 0))));
      } else {
        layers.add(new Built(layer, null, List.of())); // dropout has no variables
      }
    }
    logitsKernel = maker.make(LOGITS_KERNEL, new long[] {width, outputs}, Init.GLOROT, seed + 1);
    logitsBias = maker.make(LOGITS_BIAS, new long[] {outputs}, Init.ZEROS, seed + 1);
  }

  /** Keras' automatic layer names: dense, dense_1, dense_2, ... */
  private static String keras(String base, int index) {
    return index == 0 ? base : base + "_" + index;
  }

  /**
   * Creates the head's variables in {@code tf}'s graph, initialised as Keras does (Glorot-uniform
   * kernels, zero biases, batch norm's gamma and variance one) when the session initialises.
   *
   * @param featureShape static shape of the base's output: [batch, h, w, c] or [batch, features]
   */
  public static Head create(
      Ops tf, HeadConfig config, Shape featureShape, int outputs, OutputActivation activation, long seed) {
    return new Head(config, checkOutputs(outputs, activation), activation, seed, pooledSize(config.pooling(), featureShape),
        (name, shape, init, s) -> tf.withName(name).variable(initial(tf, shape, init, s)));
  }

  /** A softmax head: {@link #create(Ops, HeadConfig, Shape, int, OutputActivation, long)}. */
  public static Head create(Ops tf, HeadConfig config, Shape featureShape, int classes, long seed) {
    return create(tf, config, featureShape, classes, OutputActivation.SOFTMAX, seed);
  }

  /**
   * Creates the head's variables without initialisers, for a graph whose values are restored from
   * a checkpoint: the export holds no initialisation ops.
   */
  public static Head uninitialized(Ops tf, HeadConfig config, Shape featureShape, int outputs, OutputActivation activation) {
    return new Head(config, checkOutputs(outputs, activation), activation, 0, pooledSize(config.pooling(), featureShape),
        (name, shape, init, s) -> tf.withName(name).variable(Shape.of(shape), TFloat32.class));
  }

  private static Operand<TFloat32> initial(Ops tf, long[] shape, Init init, long seed) {
    return switch (init) {
      case GLOROT -> new GlorotUniform(seed).call(tf, tf.constant(shape), TFloat32.class);
      case ZEROS -> new Zeros<TFloat32>().call(tf, tf.constant(shape), TFloat32.class);
      case ONES -> new Ones<TFloat32>().call(tf, tf.constant(shape), TFloat32.class);
    };
  }

  /** Refuses a head whose weights could never be allocated, before TensorFlow tries. */
  private static void requireSize(HeadConfig config, long featureSize, int outputs) {
    double weights = 0;
    double width = featureSize;
    for (HeadLayer layer : config.layers()) {
      if (layer instanceof HeadLayer.Dense d) {
        weights += width * d.units() + d.units();
        width = d.units();
      }
    }
    weights += width * outputs + outputs;
    if (weights > MAX_WEIGHTS) {
      throw FineTuneException.badOption(String.format(Locale.ROOT,
          "the head %s has %.3g weights (%d features in), more than the %d a head may have;"
              + " use fewer units or global_avg pooling (--pooling avg)",
          config.describe(outputs), weights, featureSize, MAX_WEIGHTS));
    }
  }

  private static int checkOutputs(int outputs, OutputActivation activation) {
    if (activation == OutputActivation.SOFTMAX && outputs < 2) {
      throw FineTuneException.badData("A classifier needs at least two classes, got " + outputs);
    }
    if (outputs < 1) {
      throw FineTuneException.badData("A multi-label head needs at least one label, got " + outputs);
    }
    return outputs;
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

  /** Logits without dropout, batch norm on its moving averages: the inference path. */
  public Operand<TFloat32> logits(Ops tf, Operand<TFloat32> features) {
    return apply(tf, features, null, null);
  }

  /**
   * Logits with dropout and batch statistics: the training path.
   *
   * @param dropoutSeed a [2] int64 seed fed for each step (e.g. [run seed, step]); the masks are a
   *     stateless function of it, so a resumed run draws the masks an uninterrupted one would
   */
  public Forward train(Ops tf, Operand<TFloat32> features, Operand<TInt64> dropoutSeed) {
    List<Op> updates = new ArrayList<>();
    return new Forward(apply(tf, features, dropoutSeed, updates), List.copyOf(updates));
  }

  /** As {@link #train} for a head without batch norm, whose training path needs no updates. */
  public Operand<TFloat32> logits(Ops tf, Operand<TFloat32> features, Operand<TInt64> dropoutSeed) {
    Forward forward = train(tf, features, dropoutSeed);
    if (!forward.updates().isEmpty()) {
      throw new IllegalStateException("a head with batch norm must be trained through train(), which returns its updates");
    }
    return forward.logits();
  }

  /** Probabilities without dropout: the inference path. */
  public Operand<TFloat32> probabilities(Ops tf, Operand<TFloat32> features) {
    return activation.apply(tf, logits(tf, features));
  }

  /** {@code updates} null: inference; otherwise training, collecting the moving-average updates. */
  private Operand<TFloat32> apply(Ops tf, Operand<TFloat32> features, Operand<TInt64> dropoutSeed, List<Op> updates) {
    boolean training = updates != null;
    Operand<TFloat32> x = pool(tf, features);
    int dropouts = 0;
    for (Built built : layers) {
      HeadLayer layer = built.layer();
      if (layer instanceof HeadLayer.Dense d) {
        x = activate(tf, d.activation(), tf.nn.biasAdd(tf.linalg.matMul(x, built.var(0)), built.var(1)));
      } else if (layer instanceof HeadLayer.Dropout r) {
        if (training && r.rate() > 0) {
          x = dropout(tf, x, r.rate(), layerSeed(tf, dropoutSeed, dropouts));
        }
        dropouts++;
      } else {
        x = batchNorm(tf, x, built, updates);
      }
    }
    return tf.nn.biasAdd(tf.linalg.matMul(x, logitsKernel), logitsBias);
  }

  /** The first dropout uses the step's seed as given; later ones a seed shifted by their index. */
  private static Operand<TInt64> layerSeed(Ops tf, Operand<TInt64> seed, int index) {
    return index == 0 ? seed : tf.math.add(seed, tf.constant(new long[] {1_000_003L * index, 0}));
  }

  private static Operand<TFloat32> activate(Ops tf, HeadLayer.Activation activation, Operand<TFloat32> x) {
    return switch (activation) {
      case LINEAR -> x;
      case RELU -> tf.nn.relu(x);
      case RELU6 -> tf.nn.relu6(x);
      case ELU -> tf.nn.elu(x);
      case SELU -> tf.nn.selu(x);
      case SIGMOID -> tf.math.sigmoid(x);
      case TANH -> tf.math.tanh(x);
      case SWISH -> tf.math.mul(x, tf.math.sigmoid(x));
    };
  }

  /**
   * Keras' BatchNormalization on [batch, features]: training normalises by the batch's mean and
   * (biased) variance and moves the averages by {@code moving = moving * 0.99 + batch * 0.01};
   * inference normalises by the moving averages.
   */
  private static Operand<TFloat32> batchNorm(Ops tf, Operand<TFloat32> x, Built built, List<Op> updates) {
    Operand<TFloat32> epsilon = tf.constant(HeadLayer.BatchNorm.EPSILON);
    Operand<TFloat32> mean;
    Operand<TFloat32> variance;
    if (updates == null) {
      mean = built.var(2);
      variance = built.var(3);
    } else {
      mean = tf.math.mean(x, tf.constant(new int[] {0}));
      variance = tf.math.mean(tf.math.squaredDifference(x, mean), tf.constant(new int[] {0}));
      updates.add(movingAverage(tf, built.var(2), mean));
      updates.add(movingAverage(tf, built.var(3), variance));
    }
    Operand<TFloat32> scale = tf.math.mul(tf.math.rsqrt(tf.math.add(variance, epsilon)), built.var(0));
    return tf.math.add(tf.math.mul(tf.math.sub(x, mean), scale), built.var(1));
  }

  private static Op movingAverage(Ops tf, Variable<TFloat32> moving, Operand<TFloat32> batch) {
    float momentum = HeadLayer.BatchNorm.MOMENTUM;
    return tf.assign(moving, tf.math.add(tf.math.mul(moving, tf.constant(momentum)), tf.math.mul(batch, tf.constant(1 - momentum))));
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
  private static Operand<TFloat32> dropout(Ops tf, Operand<TFloat32> x, double rate, Operand<TInt64> seed) {
    float keep = (float) (1 - rate);
    Operand<TFloat32> uniform = tf.random.statelessRandomUniform(tf.shape(x), seed, TFloat32.class);
    Operand<TFloat32> mask = tf.math.floor(tf.math.add(uniform, tf.constant(keep)));
    return tf.math.mul(x, tf.math.mul(mask, tf.constant(1f / keep)));
  }

  /**
   * Keras' {@code l2} kernel regulariser summed over every Dense kernel ({@code l2 * sum(w^2)}
   * each), or null when the config has none.
   */
  public Operand<TFloat32> regularization(Ops tf) {
    if (config.l2() == 0) {
      return null;
    }
    Operand<TFloat32> sum = l2(tf, logitsKernel);
    for (Built built : layers) {
      if (built.layer() instanceof HeadLayer.Dense) {
        sum = tf.math.add(sum, l2(tf, built.var(0)));
      }
    }
    return tf.math.mul(sum, tf.constant((float) config.l2()));
  }

  private static Operand<TFloat32> l2(Ops tf, Variable<TFloat32> kernel) {
    // Through an Identity: TF Java's gradient builder crashes (SIGSEGV in Node::output_type) on
    // Square taking a reference-typed variable output directly.
    return tf.reduceSum(tf.math.square(tf.identity(kernel)), tf.constant(new int[] {0, 1}));
  }

  /** The variables the optimizer trains, in a fixed order (not batch norm's moving averages). */
  public List<Variable<TFloat32>> variables() {
    List<Variable<TFloat32>> vars = new ArrayList<>();
    for (Built built : layers) {
      vars.addAll(built.layer() instanceof HeadLayer.BatchNorm ? built.variables().subList(0, 2) : built.variables());
    }
    vars.add(logitsKernel);
    vars.add(logitsBias);
    return vars;
  }

  /** Batch norm's moving averages: state the optimizer does not train, but the export needs. */
  public List<String> stateVariableNames() {
    return layers.stream()
        .filter(b -> b.layer() instanceof HeadLayer.BatchNorm)
        .flatMap(b -> b.variables().subList(2, 4).stream())
        .map(v -> v.op().name())
        .toList();
  }

  public List<String> variableNames() {
    return variables().stream().map(v -> v.op().name()).toList();
  }

  public HeadConfig config() {
    return config;
  }

  /** Classes (softmax) or labels (sigmoid). */
  public int outputs() {
    return outputs;
  }

  public OutputActivation activation() {
    return activation;
  }
}
