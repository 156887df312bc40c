package org.finetune.serving;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Map;

/**
 * JSON as TF Serving writes it: {@link #write} runs Jackson's generator with the layout of TF
 * Serving's {@code rapidjson::PrettyWriter} ({@link RapidJsonLayout}), and {@link #decimal} prints
 * floats as TF Serving's {@code WriteDecimal} does.
 */
final class PrettyJson {

  /** What to write; a generator writing to a string does not fail. */
  interface Body {
    void write(JsonGenerator g) throws IOException;
  }

  private static final JsonFactory FACTORY = new JsonFactory();

  private PrettyJson() {}

  /** The JSON {@code body} writes, laid out as rapidjson's {@code PrettyWriter} lays it out. */
  static String write(Body body) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.setPrettyPrinter(new RapidJsonLayout());
      body.write(g);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  /** Switches {@link #write}'s generator {@code g} to arrays on one line, or back. */
  static void singleLineArrays(JsonGenerator g, boolean on) {
    ((RapidJsonLayout) g.getPrettyPrinter()).singleLineArrays(on);
  }

  /** A parsed value, as rapidjson's {@code Accept(writer)} writes it. */
  static void value(JsonGenerator g, JsonValue v) throws IOException {
    switch (v.type()) {
      case NULL -> g.writeNull();
      case TRUE, FALSE -> g.writeBoolean(v.type() == JsonValue.Type.TRUE);
      case STRING -> g.writeString(v.string());
      case NUMBER -> g.writeNumber(v.integer() != null ? v.integer().toString() : rapidJsonDouble(v.number()));
      case ARRAY -> {
        g.writeStartArray();
        for (JsonValue item : v.items()) {
          value(g, item);
        }
        g.writeEndArray();
      }
      case OBJECT -> {
        g.writeStartObject();
        for (Map.Entry<String, JsonValue> m : v.members()) {
          g.writeFieldName(m.getKey());
          value(g, m.getValue());
        }
        g.writeEndObject();
      }
    }
  }

  /**
   * TF Serving's {@code WriteDecimal<float>}: {@code absl::StrCat} (printf {@code %g}, six
   * significant digits); {@code %.9g} when that does not read back as the same float; {@code .0}
   * appended when the result has neither a point nor an exponent; {@code NaN}, {@code Infinity},
   * {@code -Infinity}.
   */
  static String decimal(float v) {
    if (Float.isNaN(v)) {
      return "NaN";
    }
    if (Float.isInfinite(v)) {
      return v < 0 ? "-Infinity" : "Infinity";
    }
    String s = formatG(v, 6);
    if (Float.parseFloat(s) != v) {
      s = formatG(v, 9);
    }
    return pointed(s);
  }

  /** {@code WriteDecimal<double>}: as for float, with {@code %.17g} as the fallback. */
  static String decimal(double v) {
    if (Double.isNaN(v)) {
      return "NaN";
    }
    if (Double.isInfinite(v)) {
      return v < 0 ? "-Infinity" : "Infinity";
    }
    String s = formatG(v, 6);
    if (Double.parseDouble(s) != v) {
      s = formatG(v, 17);
    }
    return pointed(s);
  }

  private static String pointed(String s) {
    return s.indexOf('.') < 0 && s.indexOf('e') < 0 ? s + ".0" : s;
  }

  /** C's {@code printf("%.<p>g", v)} for a finite value, rounding its exact binary value half-even. */
  static String formatG(double v, int p) {
    if (v == 0) {
      return 1 / v < 0 ? "-0" : "0";
    }
    BigDecimal rounded = new BigDecimal(v).round(new MathContext(p, RoundingMode.HALF_EVEN));
    int exponent = rounded.precision() - rounded.scale() - 1;
    if (exponent < -4 || exponent >= p) {
      String digits = rounded.unscaledValue().abs().toString().replaceFirst("0+$", "");
      StringBuilder s = new StringBuilder(v < 0 ? "-" : "").append(digits.charAt(0));
      if (digits.length() > 1) {
        s.append('.').append(digits, 1, digits.length());
      }
      int e = Math.abs(exponent);
      return s.append('e').append(exponent < 0 ? '-' : '+').append(e < 10 ? "0" : "").append(e).toString();
    }
    return rounded.stripTrailingZeros().toPlainString();
  }

  /**
   * rapidjson's {@code Writer::Double} (Grisu shortest digits, then {@code Prettify}): used where
   * TF Serving echoes a request's decimal number in an error message.
   */
  static String rapidJsonDouble(double v) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return decimal(v);
    }
    if (v == 0) {
      return 1 / v < 0 ? "-0.0" : "0.0";
    }
    BigDecimal shortest = new BigDecimal(Double.toString(Math.abs(v))).stripTrailingZeros();
    String digits = shortest.unscaledValue().toString();
    int length = digits.length();
    int k = -shortest.scale(); // value = digits * 10^k
    int kk = length + k;
    String s;
    if (k >= 0 && kk <= 21) {
      s = digits + "0".repeat(k) + ".0";
    } else if (kk > 0 && kk <= 21) {
      s = digits.substring(0, kk) + "." + digits.substring(kk);
    } else if (kk > -6 && kk <= 0) {
      s = "0." + "0".repeat(-kk) + digits;
    } else if (length == 1) {
      s = digits + "e" + (kk - 1);
    } else {
      s = digits.charAt(0) + "." + digits.substring(1) + "e" + (kk - 1);
    }
    return (v < 0 ? "-" : "") + s;
  }
}
