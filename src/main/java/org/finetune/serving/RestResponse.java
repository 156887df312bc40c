package org.finetune.serving;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.finetune.error.FineTuneException;
import org.tensorflow.proto.DataType;

/**
 * The JSON TF Serving answers with, by the rules of its {@code json_tensor.cc} ({@code
 * MakeJsonFromTensors}) and laid out as its {@code rapidjson::PrettyWriter} lays it out: row format
 * {@code {"predictions": [...]}}, one element per batch entry, bare when the signature has one
 * output and an object keyed by output name otherwise; columnar format {@code {"outputs": ...}},
 * bare or an object. Floats as TF Serving prints them; string outputs whose name ends in {@code
 * _bytes} as {@code {"b64": ...}}. Outputs appear in the order of their names (TF Serving's order
 * is that of a protobuf map, i.e. unspecified).
 */
public final class RestResponse {

  private RestResponse() {}

  /** The response body for {@code outputs} (output key to tensor) of a request in {@code format}. */
  public static String of(RestRequest.Format format, Map<String, HostTensor> outputs) {
    if (outputs.isEmpty()) {
      throw fail("Cannot convert empty tensor map to JSON");
    }
    return format == RestRequest.Format.ROW ? rows(outputs) : columns(outputs);
  }

  /** TF Serving's error body: {@code {"error": "..."}}. */
  public static String error(String message) {
    return PrettyJson.write(g -> {
      g.writeStartObject();
      g.writeStringField("error", message);
      g.writeEndObject();
    });
  }

  private static String rows(Map<String, HostTensor> outputs) {
    long batch = batchSize(outputs);
    boolean objects = outputs.size() > 1;
    int[][] offsets = new int[outputs.size()][1];
    return PrettyJson.write(g -> {
      g.writeStartObject();
      g.writeArrayFieldStart("predictions");
      for (long item = 0; item < batch; item++) {
        if (objects) {
          g.writeStartObject();
        }
        PrettyJson.singleLineArrays(g, true);
        int k = 0;
        for (Map.Entry<String, HostTensor> o : outputs.entrySet()) {
          if (objects) {
            g.writeFieldName(o.getKey());
          }
          values(g, o.getKey(), o.getValue(), 1, offsets[k++]);
        }
        PrettyJson.singleLineArrays(g, false);
        if (objects) {
          g.writeEndObject();
        }
      }
      g.writeEndArray();
      g.writeEndObject();
    });
  }

  /** The batch size all outputs share: the first dimension of each. */
  private static long batchSize(Map<String, HostTensor> outputs) {
    long batch = -1;
    for (Map.Entry<String, HostTensor> o : outputs.entrySet()) {
      long[] shape = o.getValue().shape();
      if (shape.length == 0) {
        throw fail("Tensor name: " + o.getKey() + " has no shape information ");
      }
      if (batch >= 0 && batch != shape[0]) {
        throw fail("Tensor name: " + o.getKey() + " has inconsistent batch size: " + shape[0] + " expecting: " + batch);
      }
      batch = shape[0];
    }
    return batch;
  }

  private static String columns(Map<String, HostTensor> outputs) {
    boolean objects = outputs.size() > 1;
    return PrettyJson.write(g -> {
      g.writeStartObject();
      g.writeFieldName("outputs");
      if (objects) {
        g.writeStartObject();
      }
      for (Map.Entry<String, HostTensor> o : outputs.entrySet()) {
        if (objects) {
          g.writeFieldName(o.getKey());
        }
        values(g, o.getKey(), o.getValue(), 0, new int[1]);
      }
      if (objects) {
        g.writeEndObject();
      }
      g.writeEndObject();
    });
  }

  /** {@code AddTensorValues}: the values from dimension {@code dim} on, advancing {@code offset}. */
  private static void values(JsonGenerator g, String name, HostTensor t, int dim, int[] offset) throws IOException {
    long[] shape = t.shape();
    if (dim > shape.length - 1) {
      single(g, name, t, offset);
      return;
    }
    g.writeStartArray();
    for (long i = 0; i < shape[dim]; i++) {
      if (dim == shape.length - 1) {
        single(g, name, t, offset);
      } else {
        values(g, name, t, dim + 1, offset);
      }
    }
    g.writeEndArray();
  }

  private static void single(JsonGenerator g, String name, HostTensor t, int[] offset) throws IOException {
    int i = offset[0]++;
    Object v = t.values();
    switch (t.dtype()) {
      case DT_FLOAT -> g.writeNumber(PrettyJson.decimal(((float[]) v)[i]));
      case DT_DOUBLE -> g.writeNumber(PrettyJson.decimal(((double[]) v)[i]));
      case DT_INT32, DT_UINT8 -> g.writeNumber(((int[]) v)[i]);
      case DT_INT64 -> g.writeNumber(((long[]) v)[i]);
      case DT_BOOL -> g.writeBoolean(((boolean[]) v)[i]);
      case DT_STRING -> {
        byte[] bytes = ((byte[][]) v)[i];
        if (name.endsWith("_bytes")) {
          g.writeStartObject();
          g.writeStringField("b64", Base64.getEncoder().encodeToString(bytes));
          g.writeEndObject();
        } else {
          g.writeString(new String(bytes, StandardCharsets.UTF_8));
        }
      }
      default -> throw fail("Failed to write JSON value for tensor type: " + RestRequest.dtypeString(t.dtype()));
    }
  }

  private static RestRequestException fail(String message) {
    return new RestRequestException(FineTuneException.Kind.RUNTIME, "cannot write the response: " + message, message);
  }

  static boolean supported(DataType dtype) {
    return switch (dtype) {
      case DT_FLOAT, DT_DOUBLE, DT_INT32, DT_UINT8, DT_INT64, DT_BOOL, DT_STRING -> true;
      default -> false;
    };
  }
}
