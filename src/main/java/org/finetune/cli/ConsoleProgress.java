package org.finetune.cli;

import java.io.PrintWriter;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.finetune.train.EpochMetrics;
import org.finetune.train.Trainer;
import org.finetune.train.TrainingListener;

/**
 * Shows training progress: on a terminal, a progress bar per epoch with images/s and ETA; in a log
 * (no console), one line per epoch. Epoch summaries and warnings go to {@code err} so that
 * {@code out} carries results only.
 */
final class ConsoleProgress implements TrainingListener {

  private final PrintWriter err;
  private final boolean interactive;
  private final boolean epochs;
  private final java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
  private ProgressBar bar;

  ConsoleProgress(PrintWriter err) {
    this(err, System.console() != null, true);
  }

  private ConsoleProgress(PrintWriter err, boolean interactive, boolean epochs) {
    this.err = err;
    this.interactive = interactive;
    this.epochs = epochs;
  }

  /** Reports skipped images and warnings only, for runs that print a summary of their own. */
  static ConsoleProgress warningsOnly(PrintWriter err) {
    return new ConsoleProgress(err, false, false);
  }

  @Override
  public void epochStarted(String phase, int epoch, int epochs, int steps, long images) {
    if (interactive) {
      bar =
          new ProgressBarBuilder()
              .setTaskName(String.format("Epoch %d/%d%s", epoch, epochs, phase.equals(Trainer.HEAD_PHASE) ? "" : " " + phase))
              .setInitialMax(images)
              .setUnit(" img", 1)
              .showSpeed()
              .setStyle(ProgressBarStyle.ASCII)
              .continuousUpdate()
              .build();
    }
  }

  @Override
  public void stepFinished(int step, long imagesSoFar, double loss, double accuracy) {
    if (bar != null) {
      bar.stepTo(imagesSoFar);
      bar.setExtraMessage(String.format(" loss %.4f acc %.4f", loss, accuracy));
    }
  }

  @Override
  public void epochFinished(EpochMetrics m) {
    if (bar != null) {
      bar.close();
      bar = null;
    }
    if (!epochs) {
      return;
    }
    StringBuilder line = new StringBuilder();
    String phase = m.phase().equals(Trainer.HEAD_PHASE) ? "" : " (" + m.phase() + ")";
    line.append(String.format("Epoch %d%s - loss %.4f - accuracy %.4f", m.epoch(), phase, m.loss(), m.accuracy()));
    if (m.valLoss() != null) {
      line.append(String.format(" - val_loss %.4f - val_accuracy %.4f", m.valLoss(), m.valAccuracy()));
    }
    line.append(String.format(" - %.1fs (%.0f img/s)", m.seconds(), m.imagesPerSecond()));
    err.println(line);
  }

  @Override
  public void imageSkipped(String location, String reason) {
    pauseBar();
    err.println("warning: skipped unreadable image " + location + ": " + reason);
  }

  /** Makes the run stop after its current batch (Ctrl-C). */
  void requestStop() {
    stop.set(true);
  }

  @Override
  public boolean stopRequested() {
    return stop.get();
  }

  @Override
  public void note(String message) {
    if (epochs) {
      pauseBar();
      err.println("note: " + message);
    }
  }

  @Override
  public void warning(String message) {
    pauseBar();
    err.println("warning: " + message);
  }

  private void pauseBar() {
    if (bar != null) {
      err.println();
    }
  }
}
