package org.finetune.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.finetune.train.EpochMetrics;
import org.finetune.train.TrainingListener;

/** Records when each epoch and step of a run starts and ends, and what the run warned about. */
final class TimingListener implements TrainingListener {

  /** One epoch: when it started and ended (validation included), and each step's end. */
  static final class Epoch {
    final String phase;
    final int number;
    final long startNanos;
    final List<long[]> steps = new ArrayList<>(); // {nanos, images so far}
    long endNanos;
    EpochMetrics metrics;

    Epoch(String phase, int number, long startNanos) {
      this.phase = phase;
      this.number = number;
      this.startNanos = startNanos;
    }
  }

  final long origin;
  final List<Epoch> epochs = new ArrayList<>();
  final List<String> warnings = new ArrayList<>();
  final List<String> notes = new ArrayList<>();
  int skippedImages;

  TimingListener(long originNanos) {
    this.origin = originNanos;
  }

  @Override
  public void epochStarted(String phase, int epoch, int epochCount, int steps, long images) {
    epochs.add(new Epoch(phase, epoch, System.nanoTime()));
  }

  @Override
  public void stepFinished(int step, long imagesSoFar, double loss, double accuracy) {
    current().steps.add(new long[] {System.nanoTime(), imagesSoFar});
  }

  @Override
  public void epochFinished(EpochMetrics metrics) {
    Epoch e = current();
    e.endNanos = System.nanoTime();
    e.metrics = metrics;
  }

  @Override
  public void imageSkipped(String location, String reason) {
    skippedImages++;
  }

  @Override
  public void note(String message) {
    notes.add(message);
    System.err.println("note: " + message);
  }

  @Override
  public void warning(String message) {
    warnings.add(message);
    System.err.println("warning: " + message);
  }

  private Epoch current() {
    return epochs.get(epochs.size() - 1);
  }

  /**
   * Seconds from the origin to the first epoch's start: loading, graph building, and with the
   * bottleneck cache computing the features it lacks; anything before epoch 1.
   */
  double setupSeconds() {
    return epochs.isEmpty() ? Double.NaN : (epochs.get(0).startNanos - origin) / 1e9;
  }

  /** Per epoch: wall seconds (validation included), the trainer's own figures. */
  List<Map<String, Object>> epochTable() {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (Epoch e : epochs) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("phase", e.phase);
      row.put("epoch", e.number);
      row.put("wall_s", (e.endNanos - e.startNanos) / 1e9);
      if (e.metrics != null) {
        row.put("train_s", e.metrics.seconds());
        row.put("images_per_s", e.metrics.imagesPerSecond());
        row.put("loss", e.metrics.loss());
        row.put("accuracy", e.metrics.accuracy());
        row.put("val_loss", e.metrics.valLoss());
        row.put("val_accuracy", e.metrics.valAccuracy());
      }
      row.put("steps", e.steps.size());
      rows.add(row);
    }
    return rows;
  }

  /**
   * Training images per second over the steps of {@code phase}, leaving out the first {@code skip}
   * steps of the phase (warm-up) and the first step of each later epoch (its time includes the
   * epoch's start); validation is never inside a step.
   */
  Map<String, Object> stepThroughput(String phase, int skip) {
    long images = 0;
    long nanos = 0;
    int steps = 0;
    boolean first = true;
    for (Epoch e : epochs) {
      if (!e.phase.equals(phase)) {
        continue;
      }
      int from = first ? skip : 1; // index of the step whose end starts the window
      first = false;
      if (e.steps.size() <= from) {
        continue;
      }
      // the window opens when step `from` (counting from 1) ends, or at the epoch's start
      long[] start = from == 0 ? new long[] {e.startNanos, 0} : e.steps.get(from - 1);
      long[] end = e.steps.get(e.steps.size() - 1);
      images += end[1] - start[1];
      nanos += end[0] - start[0];
      steps += e.steps.size() - from;
    }
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("timed_steps", steps);
    r.put("timed_images", images);
    r.put("timed_s", nanos / 1e9);
    r.put("images_per_s", nanos == 0 ? Double.NaN : images / (nanos / 1e9));
    return r;
  }
}
