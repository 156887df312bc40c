package org.finetune.model;

import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.finetune.error.FineTuneException;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;

/**
 * The {@code saved_model.pb} of a base model, parsed without starting TensorFlow, so that a wrong
 * directory gets a precise message before anything heavy runs.
 */
public record SavedModelFile(Path directory, MetaGraphDef metaGraph, ServingSignature signature) {

  public static final String SERVE_TAG = "serve";

  /** Reads and checks the model at {@code directory}; throws a {@link FineTuneException} naming the problem. */
  public static SavedModelFile read(Path directory) {
    if (!Files.exists(directory)) {
      throw FineTuneException.badModel("Model directory not found: " + directory);
    }
    if (!Files.isDirectory(directory)) {
      throw FineTuneException.badModel(
          "Model path is not a directory: " + directory + " (expected a SavedModel directory holding saved_model.pb)");
    }
    Path pb = directory.resolve("saved_model.pb");
    if (!Files.isRegularFile(pb)) {
      throw FineTuneException.badModel(
          "Not a SavedModel: " + directory + " has no saved_model.pb"
              + (Files.exists(directory.resolve("saved_model.pbtxt")) ? " (saved_model.pbtxt is not supported)" : ""));
    }
    MetaGraphDef meta = serveMetaGraph(directory, parse(pb));
    SignatureDef def = meta.getSignatureDefMap().get(ServingSignature.KEY);
    if (def == null) {
      throw FineTuneException.badModel(
          "Model " + directory + " has no '" + ServingSignature.KEY + "' signature; it has "
              + meta.getSignatureDefMap().keySet());
    }
    return new SavedModelFile(directory, meta, ServingSignature.of(directory.toString(), def));
  }

  private static SavedModel parse(Path pb) {
    try (InputStream in = Files.newInputStream(pb)) {
      return SavedModel.parseFrom(in);
    } catch (InvalidProtocolBufferException e) {
      throw FineTuneException.badModel("Not a SavedModel: cannot parse " + pb + " (" + e.getMessage() + ")");
    } catch (IOException e) {
      String reason = e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : e.getMessage();
      throw FineTuneException.badModel("Cannot read " + pb + ": " + reason);
    }
  }

  private static MetaGraphDef serveMetaGraph(Path directory, SavedModel model) {
    return model.getMetaGraphsList().stream()
        .filter(m -> m.getMetaInfoDef().getTagsList().contains(SERVE_TAG))
        .findFirst()
        .orElseThrow(
            () -> FineTuneException.badModel(
                "Model " + directory + " has no meta graph tagged '" + SERVE_TAG + "' (found "
                    + model.getMetaGraphsList().stream().map(m -> m.getMetaInfoDef().getTagsList()).toList() + ")"));
  }
}
