package org.finetune.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the command line in a fresh JVM inside a private mount namespace ({@code unshare}), after a
 * shell prelude that mounts what the test needs (a read-only or a tiny tmpfs) and before a postlude
 * that can record what the run left there. The mounts vanish with the process, whatever happens to
 * the test. As root the namespace needs CAP_SYS_ADMIN; as
 * anyone else, unprivileged user namespaces ({@code unshare --map-root-user}).
 */
public final class ChildJvm {

  /** Exit code and output of a run. */
  public record Run(int exitCode, String out, String err) {

    /** The lines of stderr that report an error. */
    public String errorLines() {
      return err.lines().filter(l -> l.startsWith("error:")).reduce((a, b) -> a + "\n" + b).orElse("");
    }
  }

  private static final int PRELUDE_FAILED = 99;

  private ChildJvm() {}

  /**
   * {@code sh -c "<prelude> && java ... org.finetune.cli.Main <args>; <postlude>"} in a new mount
   * namespace; the exit code is java's (or the prelude's, when it fails).
   */
  public static Run inMountNamespace(String prelude, String postlude, Path work, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private"));
    if (!"root".equals(System.getProperty("user.name"))) {
      command.add("--map-root-user");
    }
    String script = prelude + " || exit " + PRELUDE_FAILED + "; \"$0\" -cp \"$FINETUNE_CP\" org.finetune.cli.Main \"$@\"; rc=$?; " + postlude + "; exit $rc";
    command.addAll(List.of("sh", "-c", script));
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of(args));
    Path out = work.resolve("child.out");
    Path err = work.resolve("child.err");
    ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
    builder.environment().put("FINETUNE_CP", System.getProperty("java.class.path"));
    builder.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
    Process process = builder.start();
    if (!process.waitFor(5, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new IllegalStateException("the child JVM did not finish within 5 minutes: " + command);
    }
    String errText = Files.readString(err, StandardCharsets.UTF_8);
    if (process.exitValue() == PRELUDE_FAILED || errText.startsWith("unshare:")) {
      throw new IllegalStateException(
          "could not mount in a private mount namespace (these tests need root with CAP_SYS_ADMIN, or unprivileged"
              + " user namespaces): " + errText.strip());
    }
    return new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8), errText);
  }
}
