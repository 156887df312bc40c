package org.finetune.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the project's Python scripts with the pinned environment that {@code
 * scripts/setup_python.sh} makes (system property {@code finetune.python}, set by the pom).
 * Interop tests never skip: without Python they fail and say how to get it.
 */
public final class Python {

  /** Exit code and combined output of a script run. */
  public record Run(int exitCode, String output) {}

  private Python() {}

  public static String interpreter() {
    String python = System.getProperty("finetune.python");
    if (python == null || !Files.isExecutable(Path.of(python))) {
      throw new IllegalStateException(
          "No Python interpreter at '" + python + "' (system property finetune.python): run"
              + " 'bash scripts/setup_python.sh' or 'mvn verify', which makes the pinned environment in .venv");
    }
    return python;
  }

  /** Runs {@code scripts/<script>} with {@code args} from the project directory. */
  public static Run script(String script, List<String> args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(interpreter(), Path.of("scripts", script).toString()));
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
    Process process = builder.start();
    byte[] output = process.getInputStream().readAllBytes();
    if (!process.waitFor(10, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new IllegalStateException(script + " did not finish within 10 minutes");
    }
    return new Run(process.exitValue(), new String(output, StandardCharsets.UTF_8));
  }
}
