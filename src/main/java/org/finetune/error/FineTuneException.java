package org.finetune.error;

/**
 * The one error type the library throws for problems a user can fix: bad input, a model it cannot
 * use, an export it must not overwrite. The message is a single line that names what was expected
 * and what was found; the {@link Kind} decides the command-line exit code.
 */
public class FineTuneException extends RuntimeException {

  /** What went wrong, and the exit code the command line reports for it. */
  public enum Kind {
    /** An option or configuration value out of range or unknown. */
    BAD_OPTION(2),
    /** The base model is missing, not a SavedModel, or not a usable image model. */
    BAD_MODEL(3),
    /** The data set is missing, malformed, or cannot train a classifier. */
    BAD_DATA(4),
    /** The export cannot be written, or would overwrite an existing one. */
    EXPORT(5),
    /** TensorFlow failed while running a graph the library built. */
    RUNTIME(6),
    /** The user stopped the run (Ctrl-C); a checkpoint was saved when the run keeps them. */
    INTERRUPTED(130);

    private final int exitCode;

    Kind(int exitCode) {
      this.exitCode = exitCode;
    }

    public int exitCode() {
      return exitCode;
    }
  }

  private final Kind kind;

  public FineTuneException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public FineTuneException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }

  public static FineTuneException badOption(String message) {
    return new FineTuneException(Kind.BAD_OPTION, message);
  }

  public static FineTuneException badModel(String message) {
    return new FineTuneException(Kind.BAD_MODEL, message);
  }

  public static FineTuneException badData(String message) {
    return new FineTuneException(Kind.BAD_DATA, message);
  }
}
