package org.finetune.serving;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.PrettyPrinter;
import java.io.IOException;

/**
 * The layout of rapidjson's {@code PrettyWriter} (indent of four spaces, {@code ": "} after a
 * name, each member and element on its own line) for Jackson's generator, with rapidjson's {@code
 * kFormatSingleLineArray} (elements on one line, {@code ", "} between them) to switch on and off
 * while writing, as TF Serving does. One generator, one document.
 */
final class RapidJsonLayout implements PrettyPrinter {

  private int depth;
  private boolean singleLineArrays;

  void singleLineArrays(boolean on) {
    singleLineArrays = on;
  }

  private void newLine(JsonGenerator g) throws IOException {
    g.writeRaw('\n');
    g.writeRaw(" ".repeat(4 * depth));
  }

  @Override
  public void writeRootValueSeparator(JsonGenerator g) {} // one document, one root

  @Override
  public void writeStartObject(JsonGenerator g) throws IOException {
    g.writeRaw('{');
    depth++;
  }

  @Override
  public void beforeObjectEntries(JsonGenerator g) throws IOException {
    newLine(g);
  }

  @Override
  public void writeObjectFieldValueSeparator(JsonGenerator g) throws IOException {
    g.writeRaw(": ");
  }

  @Override
  public void writeObjectEntrySeparator(JsonGenerator g) throws IOException {
    g.writeRaw(',');
    newLine(g);
  }

  @Override
  public void writeEndObject(JsonGenerator g, int entries) throws IOException {
    depth--;
    if (entries > 0) {
      newLine(g);
    }
    g.writeRaw('}');
  }

  @Override
  public void writeStartArray(JsonGenerator g) throws IOException {
    g.writeRaw('[');
    depth++;
  }

  @Override
  public void beforeArrayValues(JsonGenerator g) throws IOException {
    if (!singleLineArrays) {
      newLine(g);
    }
  }

  @Override
  public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
    g.writeRaw(',');
    if (singleLineArrays) {
      g.writeRaw(' ');
    } else {
      newLine(g);
    }
  }

  @Override
  public void writeEndArray(JsonGenerator g, int values) throws IOException {
    depth--;
    if (values > 0 && !singleLineArrays) {
      newLine(g);
    }
    g.writeRaw(']');
  }
}
