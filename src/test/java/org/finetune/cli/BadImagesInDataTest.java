package org.finetune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.finetune.testing.TestFiles;
import org.finetune.testing.UnusualImages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad and unusual files inside class folders, through the command line: each broken file is
 * skipped with a warning naming it and why (or stops the run under --strict); unusual but valid
 * images train without a warning; a class left with nothing readable stops the run.
 */
class BadImagesInDataTest {

  static final Path MODEL = Path.of("models", "mobilenetv2-0.35-mnist04");
  static final Path DIGITS = Path.of("data", "digits-5-9", "train");

  @TempDir static Path shared;
  static Path data;
  static Map<String, String> broken = new TreeMap<>(); // file name -> reason the warning gives

  @TempDir Path work;

  /** Two classes of the demo digits, ten images each, a small and fast data set. */
  static Path digits(Path target) throws IOException {
    for (String digit : List.of("5", "6")) {
      Path dir = Files.createDirectories(target.resolve(digit));
      try (Stream<Path> files = Files.list(DIGITS.resolve(digit))) {
        for (Path f : files.sorted().limit(10).toList()) {
          Files.copy(f, dir.resolve(f.getFileName()));
        }
      }
    }
    return target;
  }

  @BeforeAll
  static void writeBrokenFiles() throws IOException {
    data = digits(shared.resolve("digits"));
    byte[] png = Files.readAllBytes(data.resolve("5").resolve(firstName(data.resolve("5"))));
    byte[] jpeg = jpeg();
    write("5/zero-bytes.png", new byte[0], "not a JPEG, PNG, GIF or BMP image (0 bytes)");
    write("5/not-an-image.jpg", "<html>404 Not Found</html>".getBytes(StandardCharsets.UTF_8),
        "not a JPEG, PNG, GIF or BMP image (26 bytes)");
    write("5/header-only.png", Arrays.copyOf(png, 20), "truncated PNG: its header is cut short");
    write("6/truncated.png", Arrays.copyOf(png, png.length / 2), null);
    write("6/truncated.jpg", Arrays.copyOf(jpeg, jpeg.length / 2), null);
    byte[] corrupt = png.clone();
    for (int i = 40; i < corrupt.length; i++) {
      corrupt[i] = (byte) (i * 7);
    }
    write("6/corrupt.png", corrupt, null);
    write("6/bomb.png", UnusualImages.pngDeclaring(100_000, 100_000),
        "its PNG header declares 100000x100000 (10000.0 megapixels to decode), over the limit of 100.0; refused unread");
  }

  private static void write(String name, byte[] bytes, String reason) throws IOException {
    Files.write(data.resolve(name), bytes);
    broken.put(data.resolve(name).toString(), reason);
  }

  private static String firstName(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().findFirst().orElseThrow();
    }
  }

  private static byte[] jpeg() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(UnusualImages.solid(28, 28, 200, 30, 30), "jpeg", out);
    return out.toByteArray();
  }

  private CliRun train(Path dataset, String... extra) {
    List<String> args = new ArrayList<>(List.of("train", "--model", MODEL.toString(), "--data", dataset.toString(),
        "--out", work.resolve("out").toString(), "--epochs", "1", "--dense", "8", "--batch-size", "8",
        "--val-split", "0", "--cache-dir", work.resolve("cache").toString()));
    args.addAll(List.of(extra));
    return CliRun.of(args.toArray(String[]::new));
  }

  @Test
  void eachBrokenFileIsSkippedWithAWarningNamingItAndWhy() {
    for (String cache : List.of("--cache", "--no-cache")) {
      CliRun run = cache.equals("--cache") ? train(data) : train(data, "--no-cache");
      assertEquals(0, run.exitCode(), cache + ": " + run.err());
      List<String> warnings = run.err().lines().filter(l -> l.startsWith("warning: skipped unreadable image ")).toList();
      assertEquals(broken.size(), warnings.size(), cache + ": one warning per broken file, once:\n" + run.err());
      broken.forEach((file, reason) -> {
        String prefix = "warning: skipped unreadable image " + file + ": ";
        String line = warnings.stream().filter(w -> w.startsWith(prefix)).findFirst().orElse("");
        assertFalse(line.isEmpty(), cache + ": no warning for " + file + ":\n" + run.err());
        if (reason != null) {
          assertEquals(prefix + reason, line);
        }
      });
      assertTrue(run.out().contains("Skipped unreadable images: " + broken.size()), run.out());
      assertTrue(Files.exists(work.resolve("out").resolve(cache.equals("--cache") ? "1" : "2").resolve("saved_model.pb")));
    }
  }

  @Test
  void strictStopsAtTheFirstBrokenFile() {
    CliRun run = train(data, "--strict", "--no-cache");
    assertEquals(4, run.exitCode(), run.err());
    assertTrue(run.errorLines().matches("error: cannot use image " + data + "/[56]/[a-z-]+\\.(png|jpg): .+"), run.err());
    assertFalse(run.errorLines().contains("\n"), run.errorLines());
    assertFalse(Files.exists(work.resolve("out").resolve("1")), "nothing exported");
  }

  @Test
  void aClassFolderOfOnlyBrokenFilesStopsTheRun() throws IOException {
    Path onlyBroken = digits(work.resolve("only-broken"));
    Path seven = Files.createDirectories(onlyBroken.resolve("7"));
    Files.write(seven.resolve("a.png"), new byte[0]);
    Files.writeString(seven.resolve("b.jpg"), "not an image");
    for (String cache : List.of("--cache", "--no-cache")) {
      CliRun run = cache.equals("--cache") ? train(onlyBroken) : train(onlyBroken, "--no-cache");
      assertEquals(4, run.exitCode(), cache + ": " + run.err());
      assertTrue(run.errorLines().matches("error: class '7' has no readable training images: all 2 were unreadable and"
          + " skipped, the first " + seven + "/[ab]\\.(png|jpg) \\(not a JPEG, PNG, GIF or BMP image \\(\\d+ bytes\\)\\);"
          + " fix or remove the broken files, or remove the class folder"), cache + ": " + run.errorLines());
      assertFalse(Files.exists(work.resolve("out").resolve("1")), "nothing exported");
    }
  }

  @Test
  void sixteenBitPngCmykJpegAndAnimatedGifTrainWithoutWarnings() throws IOException {
    Path unusual = TestFiles.copyTree(digits(work.resolve("src")), work.resolve("unusual"));
    Files.write(unusual.resolve("5").resolve("sixteen-bit.png"), UnusualImages.png16(28, 28, (x, y, b) -> x * 2000 + y * 50));
    Files.write(unusual.resolve("5").resolve("cmyk.jpg"), UnusualImages.cmykJpeg(28, 28));
    Files.write(unusual.resolve("6").resolve("animated.gif"),
        UnusualImages.animatedGif(UnusualImages.solid(28, 28, 250, 250, 250), UnusualImages.solid(28, 28, 0, 0, 0)));
    CliRun run = train(unusual);
    assertEquals(0, run.exitCode(), run.err());
    assertFalse(run.err().contains("warning: skipped"), run.err());
    assertFalse(run.out().contains("Skipped unreadable images"), run.out());
  }
}
