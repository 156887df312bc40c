package org.finetune.serving;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Parses JSON as TF Serving does: rapidjson with {@code kParseNanAndInfFlag} ({@code NaN},
 * {@code Inf}, {@code Infinity}, signed), reporting the first error with rapidjson's English
 * message and the byte offset rapidjson reports, plus the line and column for people.
 */
final class JsonParser {

  /** A syntax error: rapidjson's message and offset (bytes from the start), line and column from 1. */
  static final class ParseError extends Exception {
    final String reason;
    final int offset;
    final int line;
    final int column;

    ParseError(String reason, int offset, int line, int column) {
      super(reason + " at offset: " + offset);
      this.reason = reason;
      this.offset = offset;
      this.line = line;
      this.column = column;
    }
  }

  static final String DOCUMENT_EMPTY = "The document is empty.";
  static final String ROOT_NOT_SINGULAR = "The document root must not be followed by other values.";
  static final String VALUE_INVALID = "Invalid value.";
  static final String OBJECT_MISS_NAME = "Missing a name for object member.";
  static final String OBJECT_MISS_COLON = "Missing a colon after a name of object member.";
  static final String OBJECT_MISS_COMMA = "Missing a comma or '}' after an object member.";
  static final String ARRAY_MISS_COMMA = "Missing a comma or ']' after an array element.";
  static final String INVALID_HEX = "Incorrect hex digit after \\u escape in string.";
  static final String INVALID_SURROGATE = "The surrogate pair in string is invalid.";
  static final String INVALID_ESCAPE = "Invalid escape character in string.";
  static final String MISS_QUOTATION_MARK = "Missing a closing quotation mark in string.";
  static final String INVALID_ENCODING = "Invalid encoding in string.";
  static final String NUMBER_TOO_BIG = "Number too big to be stored in double.";
  static final String MISS_FRACTION = "Miss fraction part in number.";
  static final String MISS_EXPONENT = "Miss exponent in number.";

  private static final int MAX_DEPTH = 10_000;

  private final byte[] in;
  private int pos;
  private int depth;

  private JsonParser(byte[] in) {
    this.in = in;
  }

  /** Parses one document (the caller handles an empty body, which TF Serving checks first). */
  static JsonValue parse(byte[] json) throws ParseError {
    JsonParser p = new JsonParser(json);
    p.skipWhitespace();
    if (p.peek() < 0) {
      throw p.error(DOCUMENT_EMPTY, p.pos);
    }
    JsonValue value = p.value();
    p.skipWhitespace();
    if (p.peek() >= 0) {
      throw p.error(ROOT_NOT_SINGULAR, p.pos);
    }
    return value;
  }

  private int peek() {
    return pos < in.length ? in[pos] & 0xFF : -1;
  }

  private boolean consume(char c) {
    if (peek() == c) {
      pos++;
      return true;
    }
    return false;
  }

  private void skipWhitespace() {
    while (pos < in.length && (in[pos] == ' ' || in[pos] == '\n' || in[pos] == '\r' || in[pos] == '\t')) {
      pos++;
    }
  }

  private ParseError error(String reason, int offset) {
    int line = 1;
    int column = 1;
    for (int i = 0; i < offset && i < in.length; i++) {
      if (in[i] == '\n') {
        line++;
        column = 1;
      } else if ((in[i] & 0xC0) != 0x80) { // count characters, not UTF-8 continuation bytes
        column++;
      }
    }
    return new ParseError(reason, offset, line, column);
  }

  private JsonValue value() throws ParseError {
    switch (peek()) {
      case 'n':
        return literal("null", new JsonValue(JsonValue.Type.NULL, null, 0, null, null, null));
      case 't':
        return literal("true", new JsonValue(JsonValue.Type.TRUE, null, 0, null, null, null));
      case 'f':
        return literal("false", new JsonValue(JsonValue.Type.FALSE, null, 0, null, null, null));
      case '"':
        return JsonValue.ofString(string());
      case '{':
        return object();
      case '[':
        return array();
      default:
        return number();
    }
  }

  private JsonValue literal(String word, JsonValue value) throws ParseError {
    pos++;
    for (int i = 1; i < word.length(); i++) {
      if (!consume(word.charAt(i))) {
        throw error(VALUE_INVALID, pos);
      }
    }
    return value;
  }

  private void enter() throws ParseError {
    if (++depth > MAX_DEPTH) { // rapidjson recurses; a Java stack overflow is no answer
      throw error("Nesting deeper than " + MAX_DEPTH + " levels.", pos);
    }
  }

  private JsonValue object() throws ParseError {
    enter();
    pos++;
    List<Map.Entry<String, JsonValue>> members = new ArrayList<>();
    skipWhitespace();
    if (!consume('}')) {
      while (true) {
        if (peek() != '"') {
          throw error(OBJECT_MISS_NAME, pos);
        }
        String name = string();
        skipWhitespace();
        if (!consume(':')) {
          throw error(OBJECT_MISS_COLON, pos);
        }
        skipWhitespace();
        members.add(new AbstractMap.SimpleImmutableEntry<>(name, value()));
        skipWhitespace();
        if (consume(',')) {
          skipWhitespace();
        } else if (consume('}')) {
          break;
        } else {
          throw error(OBJECT_MISS_COMMA, pos);
        }
      }
    }
    depth--;
    return new JsonValue(JsonValue.Type.OBJECT, null, 0, null, null, members);
  }

  private JsonValue array() throws ParseError {
    enter();
    pos++;
    List<JsonValue> items = new ArrayList<>();
    skipWhitespace();
    if (!consume(']')) {
      while (true) {
        items.add(value());
        skipWhitespace();
        if (consume(',')) {
          skipWhitespace();
        } else if (consume(']')) {
          break;
        } else {
          throw error(ARRAY_MISS_COMMA, pos);
        }
      }
    }
    depth--;
    return new JsonValue(JsonValue.Type.ARRAY, null, 0, null, items, null);
  }

  private String string() throws ParseError {
    pos++; // the opening quote
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    while (true) {
      int c = peek();
      if (c == '\\') {
        int escapeOffset = pos;
        pos++;
        int e = peek();
        switch (e) {
          case '"', '\\', '/' -> { out.write(e); pos++; }
          case 'b' -> { out.write('\b'); pos++; }
          case 'f' -> { out.write('\f'); pos++; }
          case 'n' -> { out.write('\n'); pos++; }
          case 'r' -> { out.write('\r'); pos++; }
          case 't' -> { out.write('\t'); pos++; }
          case 'u' -> {
            pos++;
            int cp = hex4(escapeOffset);
            if (cp >= 0xD800 && cp <= 0xDBFF) {
              if (!consume('\\') || !consume('u')) {
                throw error(INVALID_SURROGATE, escapeOffset);
              }
              int low = hex4(escapeOffset);
              if (low < 0xDC00 || low > 0xDFFF) {
                throw error(INVALID_SURROGATE, escapeOffset);
              }
              cp = (((cp - 0xD800) << 10) | (low - 0xDC00)) + 0x10000;
            }
            out.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
          }
          default -> throw error(INVALID_ESCAPE, escapeOffset);
        }
      } else if (c == '"') {
        pos++;
        return out.toString(StandardCharsets.UTF_8);
      } else if (c < 0x20) { // the end of input, or an unescaped control character
        throw error(c <= 0 ? MISS_QUOTATION_MARK : INVALID_ENCODING, pos);
      } else {
        out.write(c);
        pos++;
      }
    }
  }

  private int hex4(int escapeOffset) throws ParseError {
    int v = 0;
    for (int i = 0; i < 4; i++) {
      int d = Character.digit(peek() < 0 ? -1 : peek(), 16);
      if (d < 0) {
        throw error(INVALID_HEX, escapeOffset);
      }
      v = (v << 4) | d;
      pos++;
    }
    return v;
  }

  private JsonValue number() throws ParseError {
    int start = pos;
    boolean minus = consume('-');
    if (peek() == 'N' || peek() == 'I') {
      if (consume('N')) {
        if (consume('a') && consume('N')) {
          return JsonValue.ofDouble(Double.NaN);
        }
      } else if (consume('I') && consume('n') && consume('f')) {
        if (peek() == 'i' && !(consume('i') && consume('n') && consume('i') && consume('t') && consume('y'))) {
          throw error(VALUE_INVALID, pos);
        }
        return JsonValue.ofDouble(minus ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY);
      }
      throw error(VALUE_INVALID, pos);
    }
    if (peek() == '0') {
      pos++;
    } else if (peek() >= '1' && peek() <= '9') {
      while (peek() >= '0' && peek() <= '9') {
        pos++;
      }
    } else {
      throw error(VALUE_INVALID, pos);
    }
    boolean decimal = false;
    if (consume('.')) {
      decimal = true;
      if (!(peek() >= '0' && peek() <= '9')) {
        throw error(MISS_FRACTION, pos);
      }
      while (peek() >= '0' && peek() <= '9') {
        pos++;
      }
    }
    if (consume('e') || consume('E')) {
      decimal = true;
      if (!consume('+')) {
        consume('-');
      }
      if (!(peek() >= '0' && peek() <= '9')) {
        throw error(MISS_EXPONENT, pos);
      }
      while (peek() >= '0' && peek() <= '9') {
        pos++;
      }
    }
    String text = new String(in, start, pos - start, StandardCharsets.US_ASCII);
    if (!decimal) {
      BigInteger i = new BigInteger(text);
      if (minus ? i.compareTo(JsonValue.INT64_MIN) >= 0 : i.compareTo(JsonValue.UINT64_MAX) <= 0) {
        return JsonValue.ofInteger(i);
      }
    }
    double d = Double.parseDouble(text);
    if (Double.isInfinite(d)) {
      throw error(NUMBER_TOO_BIG, start);
    }
    return JsonValue.ofDouble(d);
  }
}
