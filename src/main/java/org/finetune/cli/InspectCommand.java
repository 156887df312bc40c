package org.finetune.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.finetune.FineTuner;
import org.finetune.model.BaseNetwork;
import org.finetune.model.LayerInfo;
import org.finetune.model.ServingSignature;
import org.finetune.model.TensorSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code inspect --model DIR}: the serving signature and a Keras-style summary of the layers. */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description = "Shows a SavedModel's serving signature and its layers, like Keras summary().")
final class InspectCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "DIR", description = "SavedModel directory exported from Keras.")
  Path model;

  @Override
  public Integer call() {
    BaseNetwork network = FineTuner.inspect(model);
    PrintWriter out = spec.commandLine().getOut();
    printSignature(out, network);
    printLayers(out, network);
    out.println("Preprocessing: " + FineTuner.guessPreprocessingDescription(network));
    return ExitCodes.OK;
  }

  private static void printSignature(PrintWriter out, BaseNetwork network) {
    ServingSignature sig = network.signature();
    out.printf("Model: %s%n", network.directory());
    out.printf("Signature '%s' (method %s)%n", ServingSignature.KEY, sig.methodName().isEmpty() ? "-" : sig.methodName());
    printTensor(out, "input ", sig.input());
    printTensor(out, "output", sig.output());
    out.println();
  }

  private static void printTensor(PrintWriter out, String role, TensorSpec t) {
    out.printf("  %s %-20s %-8s %-22s %s%n", role, t.key(), t.dtypeName(), t.shapeText(), t.tensorName());
  }

  private static void printLayers(PrintWriter out, BaseNetwork network) {
    String rule = "=".repeat(86);
    out.printf("%-48s %-24s %12s%n", "Layer (type)", "Output Shape", "Param #");
    out.println(rule);
    ServingSignature sig = network.signature();
    out.printf("%-48s %-24s %12s%n", sig.input().key() + " (InputLayer)", sig.input().shapeText(), "0");
    for (LayerInfo layer : network.layers()) {
      String name = layer.name() + " (" + layer.type() + ")";
      out.printf("%-48s %-24s %,12d%n", name, layer.outputShapeText(), layer.params());
    }
    out.println(rule);
    long total = network.totalParams();
    long trainable = network.trainableParams();
    out.printf("Total params: %,d (%s)%n", total, megabytes(total));
    out.printf("Trainable params: %,d%n", trainable);
    out.printf("Non-trainable params: %,d%n", total - trainable);
    out.printf("Layers: %d (%d with weights)%n", network.layers().size(),
        network.layers().stream().filter(LayerInfo::hasWeights).count());
  }

  private static String megabytes(long params) {
    return String.format("%.2f MB as float32", params * 4 / 1e6);
  }
}
