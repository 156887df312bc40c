package org.finetune.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.finetune.testing.UnusualImages;

/**
 * Writes the starting corpus of each fuzz target: small valid inputs of every format and a few
 * hostile ones, so that the fuzzer starts from the structures it should mutate.
 *
 * <p>Usage: {@code FuzzSeeds <dir>}; writes {@code <dir>/<TargetClass>/<name>}.
 */
public final class FuzzSeeds {

  private FuzzSeeds() {}

  public static void main(String[] args) throws IOException {
    Path root = Path.of(args[0]);
    Map<String, byte[]> images = images();
    write(root.resolve(ImageFuzzTarget.class.getSimpleName()), images);
    write(root.resolve(ImageHeaderFuzzTarget.class.getSimpleName()), images);
    write(root.resolve(ArchiveFuzzTarget.class.getSimpleName()), archives(root.resolve(".tmp")));
  }

  static Map<String, byte[]> images() {
    Map<String, byte[]> seeds = new LinkedHashMap<>();
    seeds.put("rgb.png", TestImages.png(TestImages.rgb(5, 4)));
    seeds.put("gray.png", TestImages.png(TestImages.gray(3, 3)));
    seeds.put("rgba.png", TestImages.png(TestImages.rgba(4, 2)));
    seeds.put("16bit.png", UnusualImages.png16(3, 2, (x, y, b) -> x * 20000 + y * 300 + b));
    seeds.put("rgb.jpg", TestImages.jpeg(TestImages.rgb(9, 7)));
    seeds.put("cmyk.jpg", UnusualImages.cmykJpeg(8, 8));
    seeds.put("rgb.gif", TestImages.gif(TestImages.rgb(4, 3)));
    seeds.put("animated.gif", UnusualImages.animatedGif(TestImages.solid(3, 2, 200, 0, 0), TestImages.solid(3, 2, 0, 0, 200)));
    seeds.put("rgb.bmp", TestImages.bmp(TestImages.rgb(3, 5)));
    seeds.put("bomb.png", TestImages.pngDeclaring(100_000, 100_000));
    return seeds;
  }

  static Map<String, byte[]> archives(Path tmp) throws IOException {
    Files.createDirectories(tmp);
    byte[] png = TestImages.png(TestImages.rgb(2, 2));
    TestArchives flowers = new TestArchives()
        .dir("flowers").dir("flowers/daisy").file("flowers/daisy/1.png", png)
        .file("flowers/rose/1.png", png).file("flowers/rose/.hidden.png", png).file("flowers/notes.txt", new byte[] {1})
        .file("../escape.png", png).symlink("flowers/rose/link.png", "/etc/passwd");
    Map<String, byte[]> seeds = new LinkedHashMap<>();
    seeds.put("flowers.tgz", Files.readAllBytes(flowers.writeTarGz(tmp.resolve("a.tgz"))));
    seeds.put("flowers.tar", Files.readAllBytes(flowers.writeTar(tmp.resolve("a.tar"))));
    seeds.put("flowers.zip", Files.readAllBytes(flowers.writeZip(tmp.resolve("a.zip"))));
    return seeds;
  }

  private static void write(Path dir, Map<String, byte[]> seeds) throws IOException {
    Files.createDirectories(dir);
    for (Map.Entry<String, byte[]> seed : seeds.entrySet()) {
      Files.write(dir.resolve(seed.getKey()), seed.getValue());
    }
  }
}
