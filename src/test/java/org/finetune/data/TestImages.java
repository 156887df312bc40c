package org.finetune.data;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;

/** Small images made with javax.imageio, for tests. */
final class TestImages {

  private TestImages() {}

  /** A colourful pattern, different in every pixel and channel, so resizing shows. */
  static BufferedImage rgb(int width, int height) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int r = (x * 255) / Math.max(1, width - 1);
        int g = (y * 255) / Math.max(1, height - 1);
        int b = (x * 37 + y * 91) % 256;
        image.setRGB(x, y, (r << 16) | (g << 8) | b);
      }
    }
    return image;
  }

  static BufferedImage solid(int width, int height, int r, int g, int b) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        image.setRGB(x, y, (r << 16) | (g << 8) | b);
      }
    }
    return image;
  }

  static BufferedImage gray(int width, int height) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        image.getRaster().setSample(x, y, 0, (x * 23 + y * 41) % 256);
      }
    }
    return image;
  }

  /** Colours with varying transparency: decoding to RGB must drop alpha, not blend it. */
  static BufferedImage rgba(int width, int height) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_ARGB);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int alpha = (x * 255) / Math.max(1, width - 1);
        image.setRGB(x, y, (alpha << 24) | (((x * 50) % 256) << 16) | (((y * 70) % 256) << 8) | 200);
      }
    }
    return image;
  }

  static byte[] png(BufferedImage image) {
    return encode(image, "png");
  }

  static byte[] jpeg(BufferedImage image) {
    return encode(image, "jpeg");
  }

  static byte[] gif(BufferedImage image) {
    return encode(image, "gif");
  }

  static byte[] bmp(BufferedImage image) {
    return encode(image, "bmp");
  }

  static byte[] smallPng() {
    return png(rgb(4, 3));
  }

  /**
   * A PNG that declares {@code width x height} in its IHDR chunk but holds one tiny data chunk: what
   * a decompression bomb looks like before it is inflated.
   */
  static byte[] pngDeclaring(int width, int height) {
    ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(width).putInt(height).put(new byte[] {8, 2, 0, 0, 0});
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
    chunk(out, "IHDR", ihdr.array());
    chunk(out, "IDAT", new byte[] {0x78, (byte) 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
    chunk(out, "IEND", new byte[0]);
    return out.toByteArray();
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
    byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
    CRC32 crc = new CRC32();
    crc.update(typeBytes);
    crc.update(data);
    out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
    out.writeBytes(typeBytes);
    out.writeBytes(data);
    out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
  }

  static Path write(Path file, byte[] bytes) {
    try {
      Files.createDirectories(file.getParent());
      return Files.write(file, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] encode(BufferedImage image, String format) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      if (!ImageIO.write(image, format, out)) {
        throw new IllegalStateException("no ImageIO writer for " + format);
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
