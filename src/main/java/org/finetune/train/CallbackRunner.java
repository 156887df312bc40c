package org.finetune.train;

import java.util.Locale;

/**
 * Runs the callbacks of a {@link Callbacks} after each epoch, with Keras' semantics: {@code
 * ModelCheckpoint(save_best_only=True)}, {@code ReduceLROnPlateau} and {@code EarlyStopping}
 * (in that order, as Keras calls callbacks in the order given), and computes each step's
 * learning rate. Pure decisions; the weights themselves are saved and restored through {@link
 * WeightSlots}.
 */
final class CallbackRunner {

  /** Where the weights of a best epoch are kept: files, so that they survive an interruption. */
  interface WeightSlots {
    void save(String slot);

    void restore(String slot);
  }

  static final String PHASE_BEST = "best-phase";
  static final String RUN_BEST = "best-run";

  private final Callbacks callbacks;
  private final WeightSlots slots;
  private final TrainingListener listener;
  private CallbackState state;

  CallbackRunner(Callbacks callbacks, CallbackState state, WeightSlots slots, TrainingListener listener) {
    this.callbacks = callbacks;
    this.state = state;
    this.slots = slots;
    this.listener = listener;
  }

  CallbackState state() {
    return state;
  }

  void phaseStarted(long globalStep) {
    state = state.phaseStarted(globalStep);
  }

  /**
   * The rate for the step at {@code globalStep} of a phase whose own rate is {@code phaseRate}
   * and which has {@code phaseSteps} steps in all.
   */
  double learningRate(double phaseRate, long globalStep, long phaseSteps) {
    if (callbacks.schedule() instanceof LearningRateSchedule.Cosine cosine) {
      return cosine.at(phaseRate, globalStep - state.phaseStartStep(), phaseSteps);
    }
    return phaseRate * state.learningRateScale();
  }

  /** Decides after an epoch; returns whether its phase stops here (early stopping). */
  boolean epochFinished(EpochMetrics metrics, double phaseRate) {
    double current = callbacks.monitor().valueOf(metrics);
    saveBest(metrics.epoch(), current);
    reduceOnPlateau(current, phaseRate);
    return earlyStop(metrics.epoch(), current);
  }

  private void saveBest(int epoch, double current) {
    if (!callbacks.saveBest() || !callbacks.monitor().improves(current, state.runBest(), 0)) {
      return;
    }
    slots.save(RUN_BEST);
    state = new CallbackState(state.phaseStartStep(), state.stopBest(), state.stopWait(), state.stopBestEpoch(),
        state.plateauBest(), state.plateauWait(), state.learningRateScale(), current, epoch);
  }

  private void reduceOnPlateau(double current, double phaseRate) {
    if (!(callbacks.schedule() instanceof LearningRateSchedule.Plateau plateau)) {
      return;
    }
    Double best = state.plateauBest();
    int wait = state.plateauWait();
    double scale = state.learningRateScale();
    if (callbacks.monitor().improves(current, best, LearningRateSchedule.Plateau.MIN_DELTA)) {
      best = current;
      wait = 0;
    } else if (++wait >= plateau.patience()) {
      double old = phaseRate * scale;
      if (old > plateau.minLearningRate()) {
        double reduced = Math.max(old * plateau.factor(), plateau.minLearningRate());
        scale = reduced / phaseRate;
        wait = 0;
        listener.note(String.format(Locale.ROOT, "%s has not improved for %d epochs: learning rate %.3g -> %.3g",
            callbacks.monitor().kerasName(), plateau.patience(), old, reduced));
      }
    }
    state = new CallbackState(state.phaseStartStep(), state.stopBest(), state.stopWait(), state.stopBestEpoch(),
        best, wait, scale, state.runBest(), state.runBestEpoch());
  }

  private boolean earlyStop(int epoch, double current) {
    EarlyStopping stopping = callbacks.earlyStopping();
    if (stopping == null) {
      return false;
    }
    if (callbacks.monitor().improves(current, state.stopBest(), stopping.minDelta())) {
      if (stopping.restoreBestWeights()) {
        slots.save(PHASE_BEST);
      }
      state = new CallbackState(state.phaseStartStep(), current, 0, epoch, state.plateauBest(), state.plateauWait(),
          state.learningRateScale(), state.runBest(), state.runBestEpoch());
      return false;
    }
    int wait = state.stopWait() + 1;
    state = new CallbackState(state.phaseStartStep(), state.stopBest(), wait, state.stopBestEpoch(), state.plateauBest(),
        state.plateauWait(), state.learningRateScale(), state.runBest(), state.runBestEpoch());
    if (wait < stopping.patience()) {
      return false;
    }
    listener.note(String.format(Locale.ROOT, "early stopping after epoch %d: %s has not improved for %d epochs"
        + " (best %.4f at epoch %d)", epoch, callbacks.monitor().kerasName(), wait, state.stopBest(),
        state.stopBestEpoch()));
    return true;
  }

  /**
   * At the end of a phase, stopped early or not: with {@code restoreBestWeights}, puts back the
   * weights of the phase's best epoch, as Keras 3's {@code EarlyStopping.on_train_end} does.
   */
  void phaseFinished() {
    EarlyStopping stopping = callbacks.earlyStopping();
    if (stopping == null || !stopping.restoreBestWeights() || state.stopBestEpoch() == 0) {
      return;
    }
    slots.restore(PHASE_BEST);
    listener.note(String.format(Locale.ROOT, "restored the weights of epoch %d, the phase's best %s (%.4f)",
        state.stopBestEpoch(), callbacks.monitor().kerasName(), state.stopBest()));
  }

  /** At the end of the run: with saving the best model, puts back the best epoch's weights. */
  void runFinished() {
    if (!callbacks.saveBest()) {
      return;
    }
    if (state.runBestEpoch() == 0) {
      listener.warning("--save-best: no epoch had a " + callbacks.monitor().kerasName()
          + " to compare (all NaN); the last epoch's weights are exported");
      return;
    }
    slots.restore(RUN_BEST); // even when the last epoch was best: early stopping may have put back another's

    listener.note(String.format(Locale.ROOT, "the export holds epoch %d's weights, the best %s (%.4f)",
        state.runBestEpoch(), callbacks.monitor().kerasName(), state.runBest()));
  }
}
