package org.finetune.error;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/** Says in a few words why reading failed, without Java class names: for one-line messages. */
public final class IoErrors {

  private IoErrors() {}

  public static String describe(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "the file does not exist (any more)";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof FileSystemException f && f.getReason() != null) {
      return f.getReason();
    }
    String message = e.getMessage();
    if (message == null || message.isBlank()) {
      return e.getClass().getSimpleName();
    }
    return message.lines().findFirst().orElse(message).strip();
  }
}
