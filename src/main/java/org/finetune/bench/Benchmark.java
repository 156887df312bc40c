package org.finetune.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.finetune.error.FineTuneException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * One measurement of the side-by-side benchmark, printed as one JSON line on standard output
 * (progress and TensorFlow's log go to standard error). {@code scripts/benchmark.py} runs it in a
 * fresh JVM per task, measures the process's peak memory from outside, and compares the figures
 * with Keras'. What each task times is in {@code docs/benchmarks.md} and in the JSON it prints.
 *
 * <pre>
 * java -cp target/classes:$(cat cp.txt) org.finetune.bench.Benchmark --task inference \
 *     --model DIR --images-list FILE
 * </pre>
 */
@Command(
    name = "benchmark",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Measures one task of the Java side of scripts/benchmark.py and prints one JSON line.",
      "Tasks: inference, train-head, train-top, pipeline, flops, matmul."
    })
public final class Benchmark implements Callable<Integer> {

  @Option(names = "--task", required = true, paramLabel = "TASK",
      description = "inference | train-head | train-top | pipeline | flops | matmul")
  String task;

  @Option(names = "--model", paramLabel = "DIR", description = "The base: a SavedModel exported from Keras.")
  Path model;

  @Option(names = "--data", paramLabel = "DIR", description = "train-head, train-top, pipeline: class folders of images.")
  Path data;

  @Option(names = "--images-list", paramLabel = "FILE",
      description = "inference: image files to decode into memory, one path per line.")
  Path imagesList;

  @Option(names = "--passes", defaultValue = "2", description = "inference: timed passes over the images (default: ${DEFAULT-VALUE}).")
  int passes;

  @Option(names = "--warmup-batches", defaultValue = "2",
      description = "inference: untimed batches run first (default: ${DEFAULT-VALUE}).")
  int warmupBatches;

  @Option(names = "--features-out", paramLabel = "FILE",
      description = "inference: write the first batch's output here (float32, little-endian) to compare with Keras.")
  Path featuresOut;

  @Option(names = "--batch-size", defaultValue = "64", description = "Images per batch (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--epochs", defaultValue = "10",
      description = "train-head: epochs; train-top: head epochs before phase 2 (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(names = "--learning-rate", defaultValue = "1e-4", description = "Adam's learning rate (default: ${DEFAULT-VALUE}).")
  double learningRate;

  @Option(names = "--val-split", defaultValue = "0.2", description = "Validation fraction (default: ${DEFAULT-VALUE}).")
  double valSplit;

  @Option(names = "--seed", defaultValue = "42", description = "Training seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--threads", defaultValue = "0",
      description = "TensorFlow intra-op threads, 0 for the product default (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(names = "--from", paramLabel = "LAYER", description = "train-top: the first base layer phase 2 trains.")
  String fromLayer;

  @Option(names = "--fine-tune-epochs", defaultValue = "1", description = "train-top: phase-2 epochs (default: ${DEFAULT-VALUE}).")
  int fineTuneEpochs;

  @Option(names = "--skip-steps", defaultValue = "3",
      description = "train-top: phase-2 steps left out of the timing at the start (default: ${DEFAULT-VALUE}).")
  int skipSteps;

  @Option(names = "--warmup-data", paramLabel = "DIR",
      description = "train-head: train one epoch on these class folders first, untimed, in the same JVM.")
  Path warmupData;

  @Option(names = "--cache-dir", paramLabel = "DIR",
      description = "train-head, train-top: the bottleneck cache directory (default: the product's).")
  Path cacheDir;

  @Option(names = "--no-cache", description = "train-head, train-top: turn the bottleneck cache off.")
  boolean noCache;

  @Option(names = "--checkpoint-dir", paramLabel = "DIR",
      description = "train-head, train-top: keep a checkpoint after every epoch here, as `train --out` does (default: none, as FineTuner.train).")
  Path checkpointDir;

  @Option(names = "--matmul-size", defaultValue = "2048", description = "matmul: matrix size (default: ${DEFAULT-VALUE}).")
  int matmulSize;

  @Option(names = "--matmul-runs", defaultValue = "10", description = "matmul: timed runs (default: ${DEFAULT-VALUE}).")
  int matmulRuns;

  public static void main(String[] args) {
    CommandLine cli = new CommandLine(new Benchmark());
    cli.setExecutionExceptionHandler((e, line, parsed) -> {
      if (e instanceof FineTuneException f) {
        line.getErr().println("error: " + f.getMessage());
        return 2;
      }
      throw e;
    });
    System.exit(cli.execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("side", "java");
    result.put("task", task);
    result.put("tensorflow", org.tensorflow.TensorFlow.version());
    result.put("java", System.getProperty("java.version"));
    result.put("max_heap_mb", Runtime.getRuntime().maxMemory() / (1 << 20));
    result.put("processors", Runtime.getRuntime().availableProcessors());
    switch (task) {
      case "inference" -> result.putAll(InferenceBench.run(required(model, "--model"), required(imagesList, "--images-list"),
          batchSize, warmupBatches, passes, threads, featuresOut));
      case "train-head" -> result.putAll(TrainingBench.trainHead(this));
      case "train-top" -> result.putAll(TrainingBench.trainTop(this));
      case "pipeline" -> result.putAll(PipelineBench.run(required(model, "--model"), required(data, "--data"),
          batchSize, valSplit, seed));
      case "flops" -> result.putAll(FlopCounter.count(required(model, "--model")));
      case "matmul" -> result.putAll(MatmulBench.run(matmulSize, matmulRuns, threads));
      default -> throw FineTuneException.badOption(
          "unknown --task " + task + "; expected inference, train-head, train-top, pipeline, flops or matmul");
    }
    System.out.println(new ObjectMapper().writeValueAsString(result));
    return 0;
  }

  static <T> T required(T value, String option) {
    if (value == null) {
      throw FineTuneException.badOption(option + " is required for this task");
    }
    return value;
  }
}
