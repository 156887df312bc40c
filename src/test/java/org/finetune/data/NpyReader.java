package org.finetune.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads a numpy .npy file of little-endian float32 in C order: what numpy.save writes for '<f4'. */
final class NpyReader {

  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

  /** The array's shape and its values in C (row-major) order. */
  record Array(long[] shape, float[] values) {}

  private NpyReader() {}

  static Array readFloat32(Path file) throws IOException {
    ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    byte[] magic = new byte[MAGIC.length];
    bytes.get(magic);
    if (!Arrays.equals(magic, MAGIC)) {
      throw new IOException(file + " is not a .npy file");
    }
    int major = bytes.get();
    bytes.get(); // minor version
    int headerLength = major == 1 ? Short.toUnsignedInt(bytes.getShort()) : bytes.getInt();
    byte[] headerBytes = new byte[headerLength];
    bytes.get(headerBytes);
    String header = new String(headerBytes, StandardCharsets.ISO_8859_1);
    if (!header.contains("'descr': '<f4'") || !header.contains("'fortran_order': False")) {
      throw new IOException(file + " is not little-endian float32 in C order: " + header.strip());
    }
    long[] shape = shape(header);
    float[] values = new float[Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact))];
    bytes.asFloatBuffer().get(values);
    return new Array(shape, values);
  }

  private static long[] shape(String header) throws IOException {
    Matcher m = SHAPE.matcher(header);
    if (!m.find()) {
      throw new IOException("no shape in .npy header: " + header.strip());
    }
    return Arrays.stream(m.group(1).split(",")).map(String::strip).filter(s -> !s.isEmpty()).mapToLong(Long::parseLong).toArray();
  }
}
