package org.finetune.testing;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * A generated multi-label data set: each image holds each of three shapes (a red disc, a green
 * square, a blue triangle) with probability 1/2, at a random place and size on a noisy grey
 * background; each shape present is a label. Written as PNG files in one folder with a label CSV
 * ({@code path,labels} header, {@code img/0007.png,disc;triangle} rows; no labels: an empty field).
 */
public final class ShapeImages {

  public static final List<String> LABELS = List.of("disc", "square", "triangle");

  private ShapeImages() {}

  /** Writes {@code count} images under {@code dir/img/} and {@code dir/labels.csv}; returns the CSV. */
  public static Path write(Path dir, int count, int size, long seed) throws IOException {
    Random random = new Random(seed);
    Files.createDirectories(dir.resolve("img"));
    StringBuilder csv = new StringBuilder("path,labels\n");
    for (int i = 0; i < count; i++) {
      List<String> labels = new ArrayList<>();
      BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
      for (int y = 0; y < size; y++) {
        for (int x = 0; x < size; x++) {
          int g = 90 + random.nextInt(60);
          image.setRGB(x, y, (g << 16) | (g << 8) | g);
        }
      }
      Graphics2D g = image.createGraphics();
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      for (int shape = 0; shape < LABELS.size(); shape++) {
        if (!random.nextBoolean()) {
          continue;
        }
        labels.add(LABELS.get(shape));
        int s = size / 5 + random.nextInt(size / 4);
        int x = random.nextInt(size - s);
        int y = random.nextInt(size - s);
        switch (shape) {
          case 0 -> {
            g.setColor(new Color(220, 40, 40));
            g.fillOval(x, y, s, s);
          }
          case 1 -> {
            g.setColor(new Color(40, 200, 40));
            g.fillRect(x, y, s, s);
          }
          default -> {
            g.setColor(new Color(40, 60, 230));
            g.fillPolygon(new int[] {x, x + s, x + s / 2}, new int[] {y + s, y + s, y}, 3);
          }
        }
      }
      g.dispose();
      String name = String.format("img/%04d.png", i);
      ImageIO.write(image, "png", dir.resolve(name).toFile());
      csv.append(name).append(',').append(String.join(";", labels)).append('\n');
    }
    Path file = dir.resolve("labels.csv");
    Files.writeString(file, csv.toString());
    return file;
  }
}
