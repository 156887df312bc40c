package org.finetune.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the command line in this JVM and captures what it prints. */
record CliRun(int exitCode, String out, String err) {

  static CliRun of(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.commandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
    return new CliRun(code, out.toString(), err.toString());
  }

  /** The lines of stderr that report an error, i.e. what the user reads. */
  String errorLines() {
    return err.lines().filter(l -> l.startsWith("error:")).reduce((a, b) -> a + "\n" + b).orElse("");
  }
}
