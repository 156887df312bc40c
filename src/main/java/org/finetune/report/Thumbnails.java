package org.finetune.report;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.Optional;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Small previews of images for the report, as PNG bytes. Read with Java's ImageIO (JPEG, PNG,
 * GIF, BMP): only for showing, the model's input comes from TensorFlow's decoder. A large image
 * is subsampled while it is read, so it is never held at full size.
 */
public final class Thumbnails {

  static {
    System.setProperty("java.awt.headless", "true");
  }

  private Thumbnails() {}

  /**
   * The image scaled so that its longer side is {@code size} pixels (small images are enlarged
   * with hard pixel edges, large ones smoothed), as PNG; empty when ImageIO cannot read it (a
   * CMYK JPEG, say), so the report shows its name without a picture.
   */
  public static Optional<byte[]> png(byte[] encoded, int size) {
    try {
      BufferedImage image = read(encoded, size);
      if (image == null) {
        return Optional.empty();
      }
      double scale = (double) size / Math.max(image.getWidth(), image.getHeight());
      int w = Math.max(1, (int) Math.round(image.getWidth() * scale));
      int h = Math.max(1, (int) Math.round(image.getHeight() * scale));
      BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = out.createGraphics();
      try {
        g.setColor(java.awt.Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, scale >= 1
            ? RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR : RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(image, 0, 0, w, h, null);
      } finally {
        g.dispose();
      }
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      ImageIO.write(out, "png", bytes);
      return Optional.of(bytes.toByteArray());
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // a preview is a nicety: the image was classified all the same
    }
  }

  /** The first frame, read at every n-th pixel so that it is at most about four times {@code size} across. */
  private static BufferedImage read(byte[] encoded, int size) throws IOException {
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(encoded))) {
      if (in == null) {
        return null;
      }
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        return null;
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        int longer = Math.max(reader.getWidth(0), reader.getHeight(0));
        int step = Math.max(1, longer / (4 * size));
        ImageReadParam param = reader.getDefaultReadParam();
        param.setSourceSubsampling(step, step, 0, 0);
        return reader.read(0, param);
      } finally {
        reader.dispose();
      }
    }
  }
}
