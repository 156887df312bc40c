package org.finetune.serving;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;

/**
 * Writes JSON laid out exactly as TF Serving's {@code rapidjson::PrettyWriter} lays it out (indent
 * of four spaces; arrays on one line where TF Serving switches to {@code kFormatSingleLineArray}),
 * with floats printed by TF Serving's {@code WriteDecimal}.
 */
final class PrettyJson {

  private record Level(boolean inArray, int[] count) {}

  private final StringBuilder out = new StringBuilder();
  private final Deque<Level> levels = new ArrayDeque<>();
  private boolean singleLineArrays;

  void singleLineArrays(boolean on) {
    singleLineArrays = on;
  }

  private void indent() {
    out.append(" ".repeat(4 * levels.size()));
  }

  private void prefix() {
    Level level = levels.peek();
    if (level == null) {
      return;
    }
    int count = level.count[0];
    if (level.inArray) {
      if (count > 0) {
        out.append(',');
        if (singleLineArrays) {
          out.append(' ');
        }
      }
      if (!singleLineArrays) {
        out.append('\n');
        indent();
      }
    } else {
      if (count > 0) {
        out.append(count % 2 == 0 ? ",\n" : ": ");
      } else {
        out.append('\n');
      }
      if (count % 2 == 0) {
        indent();
      }
    }
    level.count[0]++;
  }

  PrettyJson startObject() {
    prefix();
    levels.push(new Level(false, new int[1]));
    out.append('{');
    return this;
  }

  PrettyJson endObject() {
    boolean empty = levels.pop().count[0] == 0;
    if (!empty) {
      out.append('\n');
      indent();
    }
    out.append('}');
    return this;
  }

  PrettyJson startArray() {
    prefix();
    levels.push(new Level(true, new int[1]));
    out.append('[');
    return this;
  }

  PrettyJson endArray() {
    boolean empty = levels.pop().count[0] == 0;
    if (!empty && !singleLineArrays) {
      out.append('\n');
      indent();
    }
    out.append(']');
    return this;
  }

  PrettyJson key(String name) {
    return string(name);
  }

  PrettyJson string(String s) {
    prefix();
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04X", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
    return this;
  }

  /** A number (or {@code true}/{@code false}/{@code null}) already formatted. */
  PrettyJson raw(String token) {
    prefix();
    out.append(token);
    return this;
  }

  /** A parsed value, as rapidjson's {@code Accept(writer)} writes it. */
  PrettyJson value(JsonValue v) {
    switch (v.type()) {
      case NULL -> raw("null");
      case TRUE -> raw("true");
      case FALSE -> raw("false");
      case STRING -> string(v.string());
      case NUMBER -> raw(v.integer() != null ? v.integer().toString() : rapidJsonDouble(v.number()));
      case ARRAY -> {
        startArray();
        v.items().forEach(this::value);
        endArray();
      }
      case OBJECT -> {
        startObject();
        for (Map.Entry<String, JsonValue> m : v.members()) {
          key(m.getKey());
          value(m.getValue());
        }
        endObject();
      }
    }
    return this;
  }

  @Override
  public String toString() {
    return out.toString();
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
