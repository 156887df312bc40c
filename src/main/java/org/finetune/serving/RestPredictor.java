package org.finetune.serving;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.finetune.error.FineTuneException;
import org.finetune.export.ExportLayout;
import org.finetune.model.TensorSpec;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;
import org.tensorflow.types.TUint8;

/**
 * Answers TF Serving REST predict requests from Java: parses the body ({@link RestRequest}), runs
 * the tensors through the loaded SavedModel's signature (TensorFlow's own session, as TF Serving
 * does), and writes the response TF Serving would send ({@link RestResponse}). Works on any
 * SavedModel with float, double, int32, int64, uint8, bool or string inputs and outputs; for an
 * export of this tool, {@code serving_default} takes {@code images} (float32 {@code [-1, height,
 * width, channels]}, preprocessed as {@code finetune.json} says) and gives {@code probabilities}
 * and {@code class_ids}. Safe to use from several threads.
 */
public final class RestPredictor implements AutoCloseable {

  private final SavedModelBundle bundle;
  private final Map<String, Map<String, TensorSpec>> inputs = new TreeMap<>();
  private final Map<String, List<String>> outputs = new TreeMap<>();

  private RestPredictor(SavedModelBundle bundle) {
    this.bundle = bundle;
    for (Signature s : bundle.signatures()) {
      Map<String, TensorSpec> specs = new TreeMap<>();
      s.getInputs().forEach((key, d) -> specs.put(key, spec(key, d)));
      inputs.put(s.key(), specs);
      outputs.put(s.key(), new ArrayList<>(new java.util.TreeSet<>(s.outputNames())));
    }
  }

  private static TensorSpec spec(String key, Signature.TensorDescription d) {
    return new TensorSpec(key, d.name, d.dataType, d.shape.isUnknown() ? null : d.shape.asArray());
  }

  /** Loads a SavedModel: a version directory, or an export root (its highest version). */
  public static RestPredictor load(java.nio.file.Path export) {
    java.nio.file.Path dir = ExportLayout.versionDirectory(export);
    if (!java.nio.file.Files.isRegularFile(dir.resolve("saved_model.pb"))) {
      throw FineTuneException.badModel("Not a SavedModel: " + dir + " has no saved_model.pb");
    }
    try {
      return new RestPredictor(SavedModelBundle.load(dir.toString(), "serve"));
    } catch (TensorFlowException e) {
      throw FineTuneException.badModel("Cannot load the export " + dir + ": " + firstLine(e.getMessage()));
    }
  }

  /** Each signature's inputs: signature key to (input key to spec). */
  public Map<String, Map<String, TensorSpec>> signatures() {
    return inputs;
  }

  /**
   * The response body TF Serving would send for {@code request}. A request TF Serving would refuse,
   * or one TensorFlow fails on, throws {@link RestRequestException}, whose {@code responseBody()}
   * is TF Serving's error body.
   */
  public String respond(byte[] request) {
    RestRequest parsed = RestRequest.parse(request, inputs);
    return RestResponse.of(parsed.format(), run(parsed.signatureName(), parsed.inputs()));
  }

  /** Runs one signature on host tensors and returns every output, by output key. */
  public Map<String, HostTensor> run(String signature, Map<String, HostTensor> feeds) {
    List<Tensor> tensors = new ArrayList<>();
    try {
      Map<String, Tensor> named = new LinkedHashMap<>();
      for (Map.Entry<String, HostTensor> f : feeds.entrySet()) {
        Tensor t = toTensor(f.getValue());
        tensors.add(t);
        named.put(f.getKey(), t);
      }
      try (Result result = bundle.function(signature).call(named)) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (String name : outputs.get(signature)) {
          out.put(name, fromTensor(result.get(name).orElseThrow()));
        }
        return out;
      }
    } catch (TensorFlowException e) {
      String message = e.getMessage() == null ? e.toString() : e.getMessage();
      throw new RestRequestException(FineTuneException.Kind.RUNTIME,
          "TensorFlow failed on the request: " + firstLine(message), message);
    } finally {
      tensors.forEach(Tensor::close);
    }
  }

  private static Tensor toTensor(HostTensor h) {
    Shape shape = Shape.of(h.shape());
    Object v = h.values();
    return switch (h.dtype()) {
      case DT_FLOAT -> TFloat32.tensorOf(shape, DataBuffers.of((float[]) v, true, false));
      case DT_DOUBLE -> TFloat64.tensorOf(shape, DataBuffers.of((double[]) v, true, false));
      case DT_INT32 -> TInt32.tensorOf(shape, DataBuffers.of((int[]) v, true, false));
      case DT_INT64 -> TInt64.tensorOf(shape, DataBuffers.of((long[]) v, true, false));
      case DT_BOOL -> TBool.tensorOf(shape, DataBuffers.of((boolean[]) v, true, false));
      case DT_STRING -> TString.tensorOfBytes(shape, DataBuffers.ofObjects((byte[][]) v));
      case DT_UINT8 -> {
        int[] ints = (int[]) v;
        byte[] bytes = new byte[ints.length];
        for (int i = 0; i < ints.length; i++) {
          bytes[i] = (byte) ints[i];
        }
        yield TUint8.tensorOf(shape, DataBuffers.of(bytes, true, false));
      }
      default -> throw new IllegalStateException("unsupported input type " + h.dtype());
    };
  }

  private static HostTensor fromTensor(Tensor t) {
    long[] shape = t.shape().asArray();
    int n = Math.toIntExact(t.shape().size());
    Object values = switch (t.dataType()) {
      case DT_FLOAT -> {
        float[] a = new float[n];
        ((TFloat32) t).copyTo(DataBuffers.of(a, false, false));
        yield a;
      }
      case DT_DOUBLE -> {
        double[] a = new double[n];
        ((TFloat64) t).copyTo(DataBuffers.of(a, false, false));
        yield a;
      }
      case DT_INT32 -> {
        int[] a = new int[n];
        ((TInt32) t).copyTo(DataBuffers.of(a, false, false));
        yield a;
      }
      case DT_INT64 -> {
        long[] a = new long[n];
        ((TInt64) t).copyTo(DataBuffers.of(a, false, false));
        yield a;
      }
      case DT_BOOL -> {
        boolean[] a = new boolean[n];
        ((TBool) t).copyTo(DataBuffers.of(a, false, false));
        yield a;
      }
      case DT_UINT8 -> {
        byte[] b = new byte[n];
        ((TUint8) t).copyTo(DataBuffers.of(b, false, false));
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
          a[i] = b[i] & 0xFF;
        }
        yield a;
      }
      case DT_STRING -> {
        byte[][] a = new byte[n][];
        ((TString) t).asBytes().copyTo(DataBuffers.ofObjects(a));
        yield a;
      }
      default -> throw new RestRequestException(FineTuneException.Kind.RUNTIME,
          "cannot write an output of type " + RestRequest.dtypeString(t.dataType()),
          "Failed to write JSON value for tensor type: " + RestRequest.dtypeString(t.dataType()));
    };
    return new HostTensor(t.dataType(), shape, values);
  }

  private static String firstLine(String s) {
    return s == null ? "" : s.lines().findFirst().orElse("").strip();
  }

  @Override
  public void close() {
    bundle.close();
  }
}
