package org.finetune.cli;

import java.io.PrintWriter;
import org.finetune.error.FineTuneException;
import org.tensorflow.exceptions.TFResourceExhaustedException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code finetune} command line: parses, calls the library, reports. With no arguments it runs
 * the shipped demo, so that {@code mvn -q exec:java} shows the whole product.
 */
@Command(
    name = "finetune",
    mixinStandardHelpOptions = true,
    versionProvider = VersionInfo.class,
    description = "Fine-tunes Keras-exported SavedModels with TensorFlow Java and exports them for TF Serving.",
    subcommands = {
      InspectCommand.class,
      TrainCommand.class,
      RecommendCommand.class,
      PredictCommand.class,
      EvaluateCommand.class,
      DemoCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    int code = run(args);
    // During a shutdown (Ctrl-C) System.exit would wait for the hooks forever; the JVM is ending anyway.
    if (code != 0 && !StopOnInterrupt.shuttingDown) {
      System.exit(code);
    }
  }

  /** Runs the command line and returns its exit code; never exits the JVM (tests call it). */
  public static int run(String... args) {
    String[] effective = args.length == 0 ? new String[] {"demo"} : args;
    return commandLine(new PrintWriter(System.out, true), new PrintWriter(System.err, true)).execute(effective);
  }

  static CommandLine commandLine(PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(out);
    cli.setErr(err);
    cli.setExecutionExceptionHandler(Main::reportFailure);
    cli.setParameterExceptionHandler(Main::reportBadArguments);
    return cli;
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** One clear line for a problem the user can fix; a stack trace only for our own bugs. */
  static int reportFailure(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
    PrintWriter err = cli.getErr();
    if (e instanceof FineTuneException f) {
      if (!StopOnInterrupt.shuttingDown) { // else StopOnInterrupt reported it before the JVM ends
        err.println("error: " + f.getMessage());
      }
      return f.kind().exitCode();
    }
    if (e instanceof TFResourceExhaustedException) {
      // Out of memory for a tensor (a huge --dense or --batch-size): the user's to fix, not a bug.
      err.println("error: TensorFlow ran out of memory: " + outOfMemoryLine(e.getMessage())
          + "; lower --batch-size or --dense, or use a machine with more memory");
      return FineTuneException.Kind.RUNTIME.exitCode();
    }
    err.println("internal error: " + e);
    e.printStackTrace(err);
    return ExitCodes.INTERNAL;
  }

  /** "OOM when allocating tensor with shape[1280,2000000000] and type float", without device and hint. */
  static String outOfMemoryLine(String message) {
    String line = message == null ? "" : message.lines().findFirst().orElse("").strip();
    int device = line.indexOf(" on /job:");
    return device > 0 ? line.substring(0, device) : line;
  }

  private static int reportBadArguments(CommandLine.ParameterException e, String[] args) {
    PrintWriter err = e.getCommandLine().getErr();
    err.println("error: " + e.getMessage());
    err.println("Try '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help' for the options.");
    return FineTuneException.Kind.BAD_OPTION.exitCode();
  }
}
