package org.finetune.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Ctrl-C during training: instead of dying mid-step, the run finishes its current batch, saves a
 * checkpoint and reports how to resume. A JVM shutdown hook asks the run to stop and waits (up to
 * {@link #GRACE_SECONDS}) until it has, then lets the JVM end; the exit code is then 130, the
 * shell's for SIGINT.
 */
final class StopOnInterrupt {

  static final int GRACE_SECONDS = 300;

  /** True once a shutdown hook of ours has started: the JVM is ending, so Main must not exit again. */
  static volatile boolean shuttingDown;

  private StopOnInterrupt() {}

  /**
   * Runs {@code work}; on Ctrl-C asks it to stop and, since the JVM ends as soon as this returns,
   * reports the stop on {@code err} itself before letting the hook go.
   */
  static <T> T run(ConsoleProgress progress, java.io.PrintWriter err, Supplier<T> work) {
    CountDownLatch finished = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      shuttingDown = true;
      progress.requestStop();
      try {
        finished.await(GRACE_SECONDS, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "stop-training-on-interrupt");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      return work.get();
    } catch (org.finetune.error.FineTuneException e) {
      if (shuttingDown) {
        err.println("error: " + e.getMessage());
        err.flush();
      }
      throw e;
    } finally {
      finished.countDown();
      if (!shuttingDown) {
        Runtime.getRuntime().removeShutdownHook(hook);
      }
    }
  }
}
