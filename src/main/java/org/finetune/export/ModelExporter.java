package org.finetune.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.finetune.error.FineTuneException;
import org.finetune.error.IoErrors;
import org.finetune.head.Head;
import org.finetune.head.HeadConfig;
import org.finetune.head.OutputActivation;
import org.finetune.model.BaseNetwork;
import org.finetune.model.ImportedNetwork;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.exceptions.TFInvalidArgumentException;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Writes a fine-tuned model as a SavedModel that TF Serving and Python TensorFlow load: a graph
 * holding only the inference path (base, pooling, dense layers, softmax) and the weights, restored
 * from the training checkpoint; no optimizer slots, no gradients, no initialisers.
 *
 * <p>The version directory appears atomically: everything is written into a hidden sibling first
 * and renamed into place at the end, so TF Serving never sees half an export.
 */
public final class ModelExporter {

  public static final String INPUT_KEY = "images";
  public static final String PROBABILITIES = "probabilities";
  public static final String CLASS_IDS = "class_ids";
  public static final String PREDICT_METHOD = "tensorflow/serving/predict";
  public static final String LABELS_FILE = "labels.txt";
  public static final String MANIFEST_FILE = "finetune.json";

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private ModelExporter() {}

  /**
   * What to export: the base, the head's shape, the class names, a writer that saves every
   * trained weight as a checkpoint at the prefix it is given, the manifest, and further text files
   * to place beside them (e.g. {@code history.json}).
   */
  public record Request(
      BaseNetwork base,
      HeadConfig head,
      List<String> classNames,
      Consumer<Path> checkpointWriter,
      ExportManifest manifest,
      Map<String, String> extraFiles,
      OutputActivation activation) {

    public Request {
      classNames = List.copyOf(classNames);
      extraFiles = Map.copyOf(extraFiles);
      activation = activation == null ? OutputActivation.SOFTMAX : activation;
    }

    /** A single-label (softmax) export. */
    public Request(
        BaseNetwork base, HeadConfig head, List<String> classNames, Consumer<Path> checkpointWriter,
        ExportManifest manifest, Map<String, String> extraFiles) {
      this(base, head, classNames, checkpointWriter, manifest, extraFiles, OutputActivation.SOFTMAX);
    }
  }

  /**
   * Exports to {@code root/version}; fails if that version exists.
   *
   * @return the version directory
   */
  public static Path export(Request request, Path root, long version) {
    Path target = root.resolve(Long.toString(version));
    Path staging = null;
    try {
      Files.createDirectories(root);
      if (Files.exists(target)) {
        throw new FineTuneException(
            FineTuneException.Kind.EXPORT, "Export version " + version + " already exists in " + root + "; not overwritten");
      }
      staging = Files.createTempDirectory(root, ".partial-" + version + "-");
      Path checkpointDir = Files.createDirectories(staging.resolve(".checkpoint"));
      try {
        request.checkpointWriter().accept(checkpointDir.resolve("model"));
      } catch (TensorFlowException | TFInvalidArgumentException | FineTuneException e) {
        throw cannotWrite(root, "while saving the trained weights", e);
      }
      writeSavedModel(request, checkpointDir.resolve("model"), staging, root);
      deleteRecursively(checkpointDir);
      Files.writeString(staging.resolve(LABELS_FILE), String.join("\n", request.classNames()) + "\n", StandardCharsets.UTF_8);
      JSON.writeValue(staging.resolve(MANIFEST_FILE).toFile(), request.manifest());
      for (Map.Entry<String, String> file : request.extraFiles().entrySet()) {
        Files.writeString(staging.resolve(file.getKey()), file.getValue(), StandardCharsets.UTF_8);
      }
      moveIntoPlace(staging, target);
      staging = null;
      return target;
    } catch (IOException e) {
      throw new FineTuneException(
          FineTuneException.Kind.EXPORT,
          "Cannot write the export to " + root + ": " + IoErrors.describe(e) + "; nothing was exported", e);
    } finally {
      if (staging != null) {
        deleteRecursively(staging);
      }
    }
  }

  private static void writeSavedModel(Request request, Path checkpoint, Path dir, Path root) throws IOException {
    BaseNetwork base = request.base();
    try (Graph graph = new Graph()) {
      ImportedNetwork network = base.importInto(graph);
      Ops tf = Ops.create(graph);
      boolean multiLabel = request.activation() == OutputActivation.SIGMOID;
      Head head = Head.uninitialized(
          tf, request.head(), network.output().shape(), request.classNames().size(), request.activation());
      Operand<TFloat32> logits = head.logits(tf.withSubScope("head"), network.output());
      Operand<TFloat32> probabilities =
          multiLabel ? tf.withName(PROBABILITIES).math.sigmoid(logits) : tf.withName(PROBABILITIES).nn.softmax(logits);
      // Multi-label: one sigmoid probability per label and no class_ids (an image may have any number of labels).
      Operand<TInt64> classIds =
          multiLabel ? null : tf.withName(CLASS_IDS).math.argMax(probabilities, tf.constant(1), TInt64.class);
      try (Session session = new Session(graph)) {
        session.restore(checkpoint.toString());
        Signature.Builder builder =
            Signature.builder()
                .key(Signature.DEFAULT_KEY)
                .methodName(PREDICT_METHOD)
                .input(INPUT_KEY, network.input())
                .output(PROBABILITIES, probabilities);
        if (classIds != null) {
          builder.output(CLASS_IDS, classIds);
        }
        Signature signature = builder.build();
        try {
          SavedModelBundle.exporter(dir.toString()).withSession(session).withSignature(signature).export();
        } catch (TensorFlowException | TFInvalidArgumentException e) {
          throw cannotWrite(root, "while writing the SavedModel", e);
        }
      }
    } catch (TensorFlowException | TFInvalidArgumentException e) {
      throw new FineTuneException(
          FineTuneException.Kind.RUNTIME, "TensorFlow failed while writing the SavedModel: " + e.getMessage(), e);
    }
  }

  /**
   * A write that TensorFlow failed: a full or read-only disk, mostly. Its message names the file
   * (in the hidden staging directory, about to be removed) and then, after "; ", the reason.
   */
  private static FineTuneException cannotWrite(Path root, String when, RuntimeException e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    String line = message.lines().findFirst().orElse(message).strip();
    String reason = line.contains("; ") ? line.substring(line.lastIndexOf("; ") + 2) : line;
    return new FineTuneException(
        FineTuneException.Kind.EXPORT,
        "Cannot write the export to " + root + ": " + reason + " (" + when + "); nothing was exported", e);
  }

  private static void moveIntoPlace(Path staging, Path target) throws IOException {
    if (Files.exists(target)) { // another run took this version while we trained
      throw new FileAlreadyExistsException(target.toString(), null, "version appeared during the run; not overwritten");
    }
    try {
      Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("the file system cannot rename " + staging + " atomically", e);
    }
  }

  /** Best effort: a leftover hidden .partial directory is ignored by TF Serving. */
  private static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | RuntimeException ignored) {
      // nothing more to do
    }
  }
}
