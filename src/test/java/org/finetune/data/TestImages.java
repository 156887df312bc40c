package org.finetune.data;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.finetune.testing.UnusualImages;

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

  /** See {@link UnusualImages#pngDeclaring}. */
  static byte[] pngDeclaring(int width, int height) {
    return UnusualImages.pngDeclaring(width, height);
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
