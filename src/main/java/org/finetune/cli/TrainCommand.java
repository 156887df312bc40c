package org.finetune.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.finetune.FineTuneRequest;
import org.finetune.FineTuneResult;
import org.finetune.FineTuner;
import org.finetune.data.Augmentation;
import org.finetune.train.Evaluation;
import org.finetune.train.MultiLabelMetrics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code train}: fine-tune a base on class folders and export the result for TF Serving. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Fine-tunes a Keras SavedModel on images in class folders and exports it for TF Serving.")
final class TrainCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "DIR", description = "Base SavedModel exported from Keras.")
  Path model;

  @Option(names = "--data", required = true, paramLabel = "DIR|ARCHIVE", description = "Class folders, or a .tar.gz/.tgz/.zip of them.")
  Path data;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Export root; the model goes to DIR/<next version>/.")
  Path out;

  @Mixin TrainOptions options;

  @Mixin StrategyOptions strategy;

  @Option(names = "--preprocess", paramLabel = "NAME", description = "vgg16, resnet50, mobilenet, mobilenet_v2, caffe, tf, torch or none (default: guessed from the layer names).")
  String preprocess;

  @Option(names = "--test-data", paramLabel = "DIR|ARCHIVE", description = "Held-out images with the same classes, evaluated after training.")
  Path testData;

  @Option(names = "--labels", paramLabel = "FILE.csv", description = "Multi-label training: rows 'path,label1;label2' (paths relative to --data, a folder; optional header 'path,labels'). Sigmoid outputs, one per label, binary cross-entropy.")
  Path labels;

  @Option(names = "--test-labels", paramLabel = "FILE.csv", description = "With --labels: the --test-data images' labels, in the same format.")
  Path testLabels;

  @Option(names = "--threshold", paramLabel = "T", description = "With --labels: a label is predicted when its probability is above T, in (0, 1) (default: 0.5).")
  Double threshold;

  @Option(names = "--export-version", paramLabel = "N", description = "Version number to write (default: the next free one). Never overwrites.")
  Long exportVersion;

  @Option(names = "--strict", description = "Stop at the first unreadable image instead of skipping it.")
  boolean strict;

  @Option(names = "--resume", description = "Continue the interrupted run of this same command from its last checkpoint (kept in OUT/.checkpoints after every epoch and on Ctrl-C).")
  boolean resume;

  @Option(names = "--no-cache", description = "Do not cache the frozen base's outputs: run the base on every image in every epoch.")
  boolean noCache;

  @Option(names = "--cache-dir", paramLabel = "DIR", description = "Where the base's outputs are cached (default: ~/.cache/keras-finetune-java/features).")
  Path cacheDir;

  @Option(
      names = "--augment",
      paramLabel = "SPEC",
      split = ",",
      mapFallbackValue = "",
      description = "Augment the training images (off by default), Keras-style, e.g. flip=horizontal,rotation=0.1,zoom=0.1,brightness=0.2,contrast=0.2;"
          + " flip=horizontal|vertical|horizontal_and_vertical, a factor F or LOW:HIGH for the others; 'default' is flip=horizontal,rotation=0.1,zoom=0.1.")
  Map<String, String> augment = new LinkedHashMap<>();

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    FineTuneRequest.Builder builder =
        FineTuneRequest.builder()
            .model(model)
            .data(data)
            .testData(testData)
            .output(this.out)
            .head(options.head())
            .training(options.training())
            .preprocessing(preprocess)
            .exportVersion(exportVersion)
            .strict(strict)
            .strategy(strategy.config())
            .useCache(!noCache)
            .cacheDirectory(cacheDir)
            .resume(resume)
            .augmentation(Augmentation.fromSpec(augment))
            .labels(labels)
            .testLabels(testLabels);
    if (threshold != null) {
      builder.threshold(threshold);
    }
    FineTuneRequest request = builder.build();
    ConsoleProgress progress = new ConsoleProgress(err);
    FineTuneResult result = StopOnInterrupt.run(progress, err, () -> FineTuner.run(request, progress));
    report(out, result);
    return ExitCodes.OK;
  }

  static void report(PrintWriter out, FineTuneResult result) {
    boolean multiLabel = result.multiLabel();
    out.printf(multiLabel ? "Labels: %s%n" : "Classes: %s%n", String.join(", ", result.classNames()));
    out.printf("Preprocessing: %s%n", result.preprocessing().describe());
    Evaluation val = result.validation();
    String accuracy = multiLabel ? "binary accuracy" : "accuracy";
    if (val.images() > 0) {
      out.printf("Validation %s: %.4f (%d images)%n", accuracy, val.accuracy(), val.images());
    }
    if (result.test() != null) {
      out.printf("Test %s: %.4f (%d images)%n", accuracy, result.test().accuracy(), result.test().images());
      if (result.test().multiLabel() != null) {
        printMultiLabel(out, result.classNames(), result.test().multiLabel());
      }
    }
    if (result.skippedImages() > 0) {
      out.printf("Skipped unreadable images: %d%n", result.skippedImages());
    }
    out.printf("Exported to %s%n", result.exportDir());
  }

  /** Micro and macro F1 and each label's precision, recall and F1 at the threshold. */
  static void printMultiLabel(PrintWriter out, java.util.List<String> labels, MultiLabelMetrics m) {
    out.printf("Test micro F1: %.4f, macro F1: %.4f (threshold %s)%n", m.microF1(), m.macroF1(), m.threshold());
    int width = Math.max(12, labels.stream().mapToInt(String::length).max().orElse(0) + 2);
    out.printf("%-" + width + "s%10s%10s%10s%8s%n", "label", "precision", "recall", "f1", "images");
    for (int i = 0; i < labels.size(); i++) {
      out.printf("%-" + width + "s%10.4f%10.4f%10.4f%8d%n", labels.get(i), m.precision(i), m.recall(i), m.f1(i), m.support(i));
    }
  }
}
