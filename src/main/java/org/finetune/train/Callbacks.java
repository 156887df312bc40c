package org.finetune.train;

import org.finetune.error.FineTuneException;

/**
 * What Keras users pass to {@code fit} as callbacks and {@code class_weight}, for both phases.
 *
 * @param monitor the figure early stopping, saving the best model and reduce-on-plateau watch
 * @param earlyStopping when a phase stops early; null never
 * @param saveBest whether the export holds the weights of the run's best epoch (Keras'
 *     {@code ModelCheckpoint(save_best_only=True)}) instead of the last epoch's
 * @param schedule how each phase's learning rate changes
 * @param classWeights how each class's images weigh in the training loss; null: all alike
 */
public record Callbacks(
    Monitor monitor, EarlyStopping earlyStopping, boolean saveBest, LearningRateSchedule schedule, ClassWeights classWeights) {

  public static final Callbacks NONE =
      new Callbacks(Monitor.VAL_LOSS, null, false, new LearningRateSchedule.Constant(), null);

  public Callbacks {
    if (monitor == null || schedule == null) {
      throw FineTuneException.badOption("callbacks need a monitored figure and a learning-rate schedule");
    }
  }

  /** Whether anything watches the monitored figure. */
  public boolean watchesMonitor() {
    return earlyStopping != null || saveBest || schedule instanceof LearningRateSchedule.Plateau;
  }

  /** Fails when the monitor needs validation data and there is none. */
  void requireMonitorable(boolean hasValidation) {
    if (watchesMonitor() && monitor.needsValidation() && !hasValidation) {
      throw FineTuneException.badOption("--monitor " + monitor.kerasName() + " needs validation images, but there are"
          + " none (--val-split 0, or too few images); use --monitor loss or a validation split");
    }
  }

  public Callbacks withMonitor(Monitor m) {
    return new Callbacks(m, earlyStopping, saveBest, schedule, classWeights);
  }

  public Callbacks withEarlyStopping(EarlyStopping e) {
    return new Callbacks(monitor, e, saveBest, schedule, classWeights);
  }

  public Callbacks withSaveBest(boolean s) {
    return new Callbacks(monitor, earlyStopping, s, schedule, classWeights);
  }

  public Callbacks withSchedule(LearningRateSchedule s) {
    return new Callbacks(monitor, earlyStopping, saveBest, s, classWeights);
  }

  public Callbacks withClassWeights(ClassWeights w) {
    return new Callbacks(monitor, earlyStopping, saveBest, schedule, w);
  }

  /** {@link #describe()}: stable across JVMs, as the run's checkpoint key needs. */
  @Override
  public String toString() {
    return describe();
  }

  /** How the settings read in {@code finetune.json} and in the run's checkpoint key. */
  public String describe() {
    StringBuilder s = new StringBuilder("monitor=" + monitor.kerasName());
    if (earlyStopping != null) {
      s.append(", early_stopping(patience=").append(earlyStopping.patience()).append(", min_delta=")
          .append(earlyStopping.minDelta()).append(", restore_best_weights=").append(earlyStopping.restoreBestWeights()).append(')');
    }
    if (saveBest) {
      s.append(", save_best");
    }
    if (schedule instanceof LearningRateSchedule.Cosine c) {
      s.append(", cosine(alpha=").append(c.alpha()).append(')');
    } else if (schedule instanceof LearningRateSchedule.Plateau p) {
      s.append(", reduce_on_plateau(factor=").append(p.factor()).append(", patience=").append(p.patience())
          .append(", min_lr=").append(p.minLearningRate()).append(')');
    }
    if (classWeights instanceof ClassWeights.Balanced) {
      s.append(", class_weight=balanced");
    } else if (classWeights instanceof ClassWeights.Given g) {
      s.append(", class_weight=").append(new java.util.TreeMap<>(g.byClass()));
    }
    return s.toString();
  }
}
