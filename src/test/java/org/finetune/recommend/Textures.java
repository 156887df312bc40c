package org.finetune.recommend;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * Generated images clearly unlike handwritten digits, as a data set of three classes: seeded
 * noise, stripes at random angles and periods, and checkerboards of random cell sizes. They are
 * grey (R = G = B) like the MNIST PNGs and 28x28 like them, so that what tells them apart from
 * digits is structure, not colour or size.
 */
final class Textures {

  static final List<String> CLASSES = List.of("checkerboard", "noise", "stripes");
  static final int SIDE = 28;

  private Textures() {}

  /** Writes {@code perClass} PNGs per class under {@code dir/<class>/}; returns {@code dir}. */
  static Path write(Path dir, int perClass, long seed) throws IOException {
    Random random = new Random(seed);
    for (String kind : CLASSES) {
      Path classDir = Files.createDirectories(dir.resolve(kind));
      for (int i = 0; i < perClass; i++) {
        ImageIO.write(image(kind, random), "png", classDir.resolve(String.format("%03d.png", i)).toFile());
      }
    }
    return dir;
  }

  private static BufferedImage image(String kind, Random random) {
    BufferedImage image = new BufferedImage(SIDE, SIDE, BufferedImage.TYPE_BYTE_GRAY);
    double angle = random.nextDouble() * Math.PI;
    double period = 3 + random.nextDouble() * 6;
    int cell = 2 + random.nextInt(6);
    int low = random.nextInt(80);
    int high = 175 + random.nextInt(81);
    for (int y = 0; y < SIDE; y++) {
      for (int x = 0; x < SIDE; x++) {
        int grey = switch (kind) {
          case "noise" -> random.nextInt(256);
          case "stripes" -> {
            double phase = (x * Math.cos(angle) + y * Math.sin(angle)) / period;
            yield Math.floorMod((long) Math.floor(phase), 2) == 0 ? low : high;
          }
          default -> ((x / cell) + (y / cell)) % 2 == 0 ? low : high;
        };
        image.getRaster().setSample(x, y, 0, grey);
      }
    }
    return image;
  }
}
