package org.finetune.testing;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * A small learnable data set for tests: one class folder per colour, each image noise dominated
 * by its class's colour channel, written as PNG (and optionally JPEG) at a size other than the
 * model's, so decoding and resizing happen as with real data.
 */
public final class ColourImages {

  public static final List<String> CLASSES = List.of("blue", "green", "red");

  private ColourImages() {}

  /** Writes {@code perClass} images per class under {@code dir/<class>/}; returns {@code dir}. */
  public static Path write(Path dir, int perClass, int width, int height, long seed) throws IOException {
    Random random = new Random(seed);
    for (int c = 0; c < CLASSES.size(); c++) {
      Path classDir = Files.createDirectories(dir.resolve(CLASSES.get(c)));
      for (int i = 0; i < perClass; i++) {
        String format = i % 4 == 3 ? "jpg" : "png";
        ImageIO.write(image(random, 2 - c, width, height), format.equals("jpg") ? "jpeg" : "png",
            classDir.resolve(i + "." + format).toFile());
      }
    }
    return dir;
  }

  /** Noise with one channel (0 = red, 1 = green, 2 = blue) lifted by 120. */
  private static BufferedImage image(Random random, int channel, int width, int height) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int[] rgb = {random.nextInt(120), random.nextInt(120), random.nextInt(120)};
        rgb[channel] += 120;
        image.setRGB(x, y, (rgb[0] << 16) | (rgb[1] << 8) | rgb[2]);
      }
    }
    return image;
  }
}
