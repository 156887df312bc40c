package org.finetune.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Reads and writes numpy .npy files of little-endian float32 (and writes int64), C order. */
public final class Npy {

  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

  /** A float32 array: its shape and its values in C (row-major) order. */
  public record Array(long[] shape, float[] values) {
    public int count() {
      return values.length;
    }
  }

  private Npy() {}

  public static Array readFloat32(Path file) throws IOException {
    return readFloat32(Files.readAllBytes(file), file.toString());
  }

  /** Parses the bytes of a .npy file; {@code name} only labels errors. */
  public static Array readFloat32(byte[] file, String name) throws IOException {
    ByteBuffer bytes = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
    byte[] magic = new byte[MAGIC.length];
    bytes.get(magic);
    if (!Arrays.equals(magic, MAGIC)) {
      throw new IOException(name + " is not a .npy file");
    }
    int major = bytes.get();
    bytes.get(); // minor version
    int headerLength = major == 1 ? Short.toUnsignedInt(bytes.getShort()) : bytes.getInt();
    byte[] headerBytes = new byte[headerLength];
    bytes.get(headerBytes);
    String header = new String(headerBytes, StandardCharsets.ISO_8859_1);
    if (!header.contains("'descr': '<f4'") || !header.contains("'fortran_order': False")) {
      throw new IOException(name + " is not little-endian float32 in C order: " + header.strip());
    }
    long[] shape = parseShape(header);
    float[] values = new float[Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact))];
    bytes.asFloatBuffer().get(values);
    return new Array(shape, values);
  }

  public static void writeFloat32(Path file, long[] shape, float[] values) throws IOException {
    Files.write(file, float32(shape, values));
  }

  public static void writeInt64(Path file, long[] shape, long[] values) throws IOException {
    Files.write(file, int64(shape, values));
  }

  /** The bytes of a .npy file holding {@code values}, e.g. for an entry of an .npz archive. */
  public static byte[] float32(long[] shape, float[] values) {
    ByteBuffer data = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    data.asFloatBuffer().put(values);
    return npy("<f4", shape, data.array());
  }

  public static byte[] int64(long[] shape, long[] values) {
    ByteBuffer data = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    data.asLongBuffer().put(values);
    return npy("<i8", shape, data.array());
  }

  private static byte[] npy(String descr, long[] shape, byte[] data) {
    String dims = Arrays.stream(shape).mapToObj(Long::toString).collect(Collectors.joining(", "));
    String header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dims + (shape.length == 1 ? ",)" : ")") + ", }";
    int unpadded = MAGIC.length + 2 + 2 + header.length() + 1;
    header = header + " ".repeat((64 - unpadded % 64) % 64) + "\n";
    ByteBuffer out = ByteBuffer.allocate(MAGIC.length + 4 + header.length() + data.length).order(ByteOrder.LITTLE_ENDIAN);
    out.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length());
    out.put(header.getBytes(StandardCharsets.ISO_8859_1)).put(data);
    return out.array();
  }

  private static long[] parseShape(String header) throws IOException {
    Matcher m = SHAPE.matcher(header);
    if (!m.find()) {
      throw new IOException("no shape in .npy header: " + header.strip());
    }
    return Arrays.stream(m.group(1).split(",")).map(String::strip).filter(s -> !s.isEmpty()).mapToLong(Long::parseLong).toArray();
  }

  /** Largest absolute difference between two equally long arrays. */
  public static double maxAbsDiff(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException("lengths differ: " + a.length + " vs " + b.length);
    }
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs((double) a[i] - b[i]));
    }
    return max;
  }
}
