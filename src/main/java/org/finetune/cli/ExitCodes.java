package org.finetune.cli;

/**
 * Exit codes of the command line. User-fixable problems use the codes of {@link
 * org.finetune.error.FineTuneException.Kind}: 2 bad option, 3 bad model, 4 bad data, 5 export,
 * 6 TensorFlow runtime failure.
 */
final class ExitCodes {
  static final int OK = 0;
  static final int INTERNAL = 70;

  private ExitCodes() {}
}
