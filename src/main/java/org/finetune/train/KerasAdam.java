package org.finetune.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.framework.optimizers.Optimizer;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.train.ApplyAdam;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TType;

/**
 * Adam with Keras' defaults (beta1 0.9, beta2 0.999, epsilon 1e-7), built on the framework's
 * {@link Optimizer} (slots, gradient/variable pairs, {@code applyGradients}) and the {@code
 * ApplyAdam} kernel.
 *
 * <p>Why not the framework's {@code Adam}: in TF Java 1.1.0 it updates {@code beta1_power} and
 * {@code beta2_power} in parallel with the {@code ApplyAdam} ops that read them, so a step may use
 * the next step's bias correction (measured: the first step from w = 1 with gradient 0.3 and 64
 * variables gave 0.9900, 0.9926 or 0.9859 across 30 identical runs); and its fixed op names
 * ({@code beta1_power}) allow one Adam per graph. Here the powers advance only after every variable is updated, and every op carries this
 * optimizer's name, so two phases can each have their own.
 */
final class KerasAdam extends Optimizer {

  static final float BETA_1 = 0.9f;
  static final float BETA_2 = 0.999f;
  static final float EPSILON = 1e-7f;

  private final String name;
  private final Operand<TFloat32> learningRate;
  private Variable<TFloat32> beta1Power;
  private Variable<TFloat32> beta2Power;

  /**
   * @param name a flat name (no '/') unique in the graph; prefixes slots and state
   * @param learningRate a constant, or a placeholder fed on each step for schedules
   */
  KerasAdam(Graph graph, String name, Operand<TFloat32> learningRate) {
    super(graph, name);
    this.name = name;
    this.learningRate = learningRate;
  }

  @Override
  public String getOptimizerName() {
    return name;
  }

  @Override
  protected void createSlots(List<Output<? extends TType>> variables) {
    for (Output<? extends TType> v : variables) {
      createZeroSlot(v, firstMoment());
      createZeroSlot(v, secondMoment());
    }
    Ops init = tf.withInitScope();
    beta1Power = init.withName(name + "_beta1_power").variable(init.constant(BETA_1));
    beta2Power = init.withName(name + "_beta2_power").variable(init.constant(BETA_2));
  }

  private <T extends TType> void createZeroSlot(Output<T> v, String slot) {
    createSlot(v, slot, tf.withInitScope().zerosLike(v));
  }

  /** Slot names: the optimizer's name keeps two optimizers' slots of the same variable apart. */
  String firstMoment() {
    return name + "_m";
  }

  String secondMoment() {
    return name + "_v";
  }

  @Override
  protected Optional<Op> prepare(String scopeName) {
    return Optional.empty();
  }

  @Override
  @SuppressWarnings("unchecked")
  protected <T extends TType> Op applyDense(Ops deps, Output<T> gradient, Output<T> variable) {
    Variable<T> m = getSlot(variable, firstMoment()).orElseThrow();
    Variable<T> v = getSlot(variable, secondMoment()).orElseThrow();
    Output<TFloat32> grad = (Output<TFloat32>) gradient;
    return deps.train.applyAdam(
        (Operand<TFloat32>) variable,
        (Operand<TFloat32>) m,
        (Operand<TFloat32>) v,
        beta1Power,
        beta2Power,
        learningRate,
        deps.constant(BETA_1),
        deps.constant(BETA_2),
        deps.constant(EPSILON),
        grad,
        ApplyAdam.useLocking(true));
  }

  @Override
  protected Op finish(List<Op> updateOperations, String opName) {
    Ops afterUpdates = tf.withControlDependencies(updateOperations);
    List<Op> powers = new ArrayList<>();
    powers.add(afterUpdates.assign(beta1Power, afterUpdates.math.mul(beta1Power, afterUpdates.constant(BETA_1))));
    powers.add(afterUpdates.assign(beta2Power, afterUpdates.math.mul(beta2Power, afterUpdates.constant(BETA_2))));
    return super.finish(powers, opName);
  }
}
