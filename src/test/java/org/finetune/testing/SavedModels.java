package org.finetune.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorShapeProto;

/** Copies of fixture SavedModels with one thing changed, for error tests. */
public final class SavedModels {

  private SavedModels() {}

  /** Copies {@code model} to {@code target} with signature {@code from} renamed {@code to}. */
  public static Path withSignatureRenamed(Path model, Path target, String from, String to) throws IOException {
    TestFiles.copyTree(model, target);
    SavedModel saved;
    try (InputStream in = Files.newInputStream(model.resolve("saved_model.pb"))) {
      saved = SavedModel.parseFrom(in);
    }
    SavedModel.Builder builder = saved.toBuilder();
    for (MetaGraphDef.Builder meta : builder.getMetaGraphsBuilderList()) {
      SignatureDef def = meta.getSignatureDefMap().get(from);
      meta.removeSignatureDef(from);
      for (String other : meta.getSignatureDefMap().keySet().toArray(String[]::new)) {
        meta.removeSignatureDef(other);
      }
      meta.putSignatureDef(to, def);
    }
    try (OutputStream out = Files.newOutputStream(target.resolve("saved_model.pb"))) {
      builder.build().writeTo(out);
    }
    return target;
  }

  /** Copies {@code model} to {@code target} with the serving signature's input of unknown rank. */
  public static Path withInputOfUnknownRank(Path model, Path target) throws IOException {
    TestFiles.copyTree(model, target);
    SavedModel saved;
    try (InputStream in = Files.newInputStream(model.resolve("saved_model.pb"))) {
      saved = SavedModel.parseFrom(in);
    }
    SavedModel.Builder builder = saved.toBuilder();
    for (MetaGraphDef.Builder meta : builder.getMetaGraphsBuilderList()) {
      SignatureDef def = meta.getSignatureDefMap().get("serving_default");
      SignatureDef.Builder changed = def.toBuilder();
      for (var input : def.getInputsMap().entrySet()) {
        changed.putInputs(input.getKey(), input.getValue().toBuilder()
            .setTensorShape(TensorShapeProto.newBuilder().setUnknownRank(true)).build());
      }
      meta.putSignatureDef("serving_default", changed.build());
    }
    try (OutputStream out = Files.newOutputStream(target.resolve("saved_model.pb"))) {
      builder.build().writeTo(out);
    }
    return target;
  }
}
