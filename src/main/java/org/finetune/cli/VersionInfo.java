package org.finetune.cli;

import org.finetune.FineTuner;
import picocli.CommandLine.IVersionProvider;

/** {@code --version}: this tool's and TensorFlow's versions. */
public final class VersionInfo implements IVersionProvider {
  @Override
  public String[] getVersion() {
    return new String[] {
      "finetune " + FineTuner.VERSION, "TensorFlow " + org.tensorflow.TensorFlow.version() + " (TensorFlow Java 1.1.0)"
    };
  }
}
