package org.finetune.data;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.finetune.error.FineTuneException;

/**
 * Random changes to training images, as Keras' preprocessing layers make them, applied in this
 * order to the decoded, resized pixels in [0, 255] before the model's {@code preprocess_input}:
 *
 * <ul>
 *   <li>{@code RandomFlip(mode)}: with probability 1/2 the image is mirrored; for {@code
 *       horizontal_and_vertical} both axes flip together on one draw, as Keras 3 does;
 *   <li>{@code RandomRotation(factor)}: by an angle drawn from [lower, upper] x 2π about the
 *       image's centre, bilinear, {@code fill_mode="reflect"};
 *   <li>{@code RandomZoom(factor)}: by 1 + a draw from [lower, upper] on both axes together (aspect
 *       kept; above 1 zooms out, below 1 zooms in, i.e. crops the centre and resizes it), bilinear,
 *       reflect;
 *   <li>{@code RandomBrightness(factor, value_range=(0, 255))}: adds a draw from [lower, upper] x 255
 *       to every pixel, clipped to [0, 255];
 *   <li>{@code RandomContrast(factor)}: {@code (x - mean) * f + mean} per image and channel, f drawn
 *       from [1 - lower, 1 + upper] (for one factor f: [1 - f, 1 + f], as Keras documents it;
 *       Keras 3.15 draws from [1, 1 + f]), clipped to [0, 255].
 * </ul>
 *
 * One factor f stands for the range [-f, f] (contrast: [1 - f, 1 + f]); a range gives Keras' tuple.
 * An image's draws depend only on (seed, epoch, its path in the data set): the same seed and data
 * augment every image the same way, whichever batch, thread or resumed run decodes it, and each
 * epoch differently. Validation, test, evaluation, prediction and exports are never augmented.
 *
 * @param flip which axes may be mirrored
 * @param rotation Keras' rotation factor range, fractions of a full turn, within [-1, 1]
 * @param zoom Keras' zoom factor range, within (-1, 1]
 * @param brightness Keras' brightness factor range, fractions of 255, within [-1, 1]
 * @param contrast Keras' contrast factor pair (lower, upper), each in [0, 1]: f in [1 - lower, 1 + upper]
 */
public record Augmentation(Flip flip, Range rotation, Range zoom, Range brightness, Range contrast) {

  /** No augmentation: the default. */
  public static final Augmentation NONE = new Augmentation(Flip.NONE, Range.ZERO, Range.ZERO, Range.ZERO, Range.ZERO);

  /**
   * {@code --augment default}: what the TensorFlow image classification tutorial uses,
   * {@code RandomFlip("horizontal"), RandomRotation(0.1), RandomZoom(0.1)}.
   */
  public static final Augmentation DEFAULT =
      new Augmentation(Flip.HORIZONTAL, Range.of(0.1), Range.of(0.1), Range.ZERO, Range.ZERO);

  private static final String EXPECTED_ITEMS =
      "expected default, flip=MODE, rotation=F, zoom=F, brightness=F or contrast=F (F a number or LOW:HIGH)";

  /** Which axes {@code RandomFlip} mirrors. */
  public enum Flip {
    NONE("none"),
    HORIZONTAL("horizontal"),
    VERTICAL("vertical"),
    HORIZONTAL_AND_VERTICAL("horizontal_and_vertical");

    private final String kerasName;

    Flip(String kerasName) {
      this.kerasName = kerasName;
    }

    public String kerasName() {
      return kerasName;
    }

    static Flip parse(String value) {
      for (Flip f : values()) {
        if (f.kerasName.equals(value.strip().toLowerCase(Locale.ROOT))) {
          return f;
        }
      }
      throw FineTuneException.badOption(
          "--augment flip=" + value + ": expected horizontal, vertical, horizontal_and_vertical or none");
    }
  }

  /** A closed range of a factor; Keras' {@code (lower, upper)} tuple. */
  public record Range(double lower, double upper) {

    public static final Range ZERO = new Range(0, 0);

    public Range {
      if (!Double.isFinite(lower) || !Double.isFinite(upper)) {
        throw FineTuneException.badOption("a factor range needs finite numbers, found " + lower + ":" + upper);
      }
      if (lower > upper) {
        throw FineTuneException.badOption("a factor range needs LOW <= HIGH, found " + lower + ":" + upper);
      }
    }

    /** One factor f: Keras' [-|f|, |f|]. */
    public static Range of(double factor) {
      return new Range(-Math.abs(factor), Math.abs(factor));
    }

    public boolean isZero() {
      return lower == 0 && upper == 0;
    }

    double draw(double unit) {
      return lower + (upper - lower) * unit;
    }

    List<Double> asList() {
      return List.of(lower, upper);
    }

    @Override
    public String toString() {
      return lower == -upper ? format(upper) : format(lower) + ":" + format(upper);
    }
  }

  public Augmentation {
    if (flip == null || rotation == null || zoom == null || brightness == null || contrast == null) {
      throw FineTuneException.badOption("augmentation needs a flip mode and four factor ranges; use Augmentation.NONE for none");
    }
    requireWithin("rotation", rotation, -1, 1, true, "a fraction of a full turn in [0, 1], or LOW:HIGH within [-1, 1]");
    requireWithin("zoom", zoom, -1, 1, false, "a fraction in [0, 1), or LOW:HIGH within (-1, 1] (negative zooms in, positive out)");
    requireWithin("brightness", brightness, -1, 1, true, "a fraction of 255 in [0, 1], or LOW:HIGH within [-1, 1]");
    requireWithin("contrast", contrast, 0, 1, true, "a factor in [0, 1], or LOW:HIGH with both in [0, 1] (contrast from 1 - LOW to 1 + HIGH)");
  }

  /** Whether anything changes the images. */
  public boolean enabled() {
    return flip != Flip.NONE || !rotation.isZero() || !zoom.isZero() || !brightness.isZero() || !contrast.isZero();
  }

  /**
   * From the items of {@code --augment}, in order: {@code default} (the {@link #DEFAULT} set) and
   * {@code NAME=VALUE} for flip, rotation, zoom, brightness and contrast, a later item replacing an
   * earlier one. A number f is Keras' factor f; {@code LOW:HIGH} is Keras' tuple (LOW, HIGH).
   *
   * @param items name to value, as picocli splits {@code a=1,b=2}; a name given without a value maps
   *     to the empty string
   */
  public static Augmentation fromSpec(Map<String, String> items) {
    Flip flip = Flip.NONE;
    Range rotation = Range.ZERO;
    Range zoom = Range.ZERO;
    Range brightness = Range.ZERO;
    Range contrast = Range.ZERO;
    for (Map.Entry<String, String> item : items.entrySet()) {
      String name = item.getKey().strip().toLowerCase(Locale.ROOT);
      String value = item.getValue() == null ? "" : item.getValue().strip();
      if (name.equals("default") || name.equals("none")) {
        if (!value.isEmpty()) {
          throw FineTuneException.badOption("--augment " + item.getKey() + "=" + value + ": '" + name + "' takes no value");
        }
        Augmentation base = name.equals("default") ? DEFAULT : NONE;
        flip = base.flip;
        rotation = base.rotation;
        zoom = base.zoom;
        brightness = base.brightness;
        contrast = base.contrast;
        continue;
      }
      if (value.isEmpty()) {
        throw FineTuneException.badOption("--augment " + item.getKey() + ": no value; " + EXPECTED_ITEMS);
      }
      switch (name) {
        case "flip" -> flip = Flip.parse(value);
        case "rotation" -> rotation = parseRange("rotation", value);
        case "zoom" -> zoom = parseRange("zoom", value);
        case "brightness" -> brightness = parseRange("brightness", value);
        case "contrast" -> contrast = contrastRange(value);
        default -> throw FineTuneException.badOption("--augment " + item.getKey() + "=" + value + ": unknown item; " + EXPECTED_ITEMS);
      }
    }
    return new Augmentation(flip, rotation, zoom, brightness, contrast);
  }

  /** The spec that gives this augmentation back, e.g. {@code flip=horizontal,rotation=0.1}; "none" when off. */
  public String spec() {
    if (!enabled()) {
      return "none";
    }
    StringBuilder s = new StringBuilder();
    if (flip != Flip.NONE) {
      s.append(",flip=").append(flip.kerasName);
    }
    appendRange(s, "rotation", rotation);
    appendRange(s, "zoom", zoom);
    appendRange(s, "brightness", brightness);
    if (!contrast.isZero()) {
      s.append(",contrast=")
          .append(contrast.lower == contrast.upper ? format(contrast.upper) : format(contrast.lower) + ":" + format(contrast.upper));
    }
    return s.substring(1);
  }

  /** For finetune.json: the Keras layers' arguments, as Python would write them. */
  public Map<String, Object> toManifest() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("spec", spec());
    m.put("flip", flip.kerasName);
    m.put("rotation_factor", rotation.asList());
    m.put("zoom_factor", zoom.asList());
    m.put("brightness_factor", brightness.asList());
    m.put("contrast_factor", contrast.asList());
    m.put("fill_mode", "reflect");
    m.put("interpolation", "bilinear");
    m.put("value_range", List.of(0, 255));
    return m;
  }

  @Override
  public String toString() {
    return "Augmentation[" + spec() + "]";
  }

  /**
   * What this augmentation does to the image at {@code path} (its path in the data set, {@link
   * ImageEntry#path()}) in epoch {@code epoch} of a run seeded {@code seed}. Six uniform draws are
   * always made in the same order, so turning one change on or off leaves the others' draws alone.
   */
  public Transform draw(long seed, int epoch, String path) {
    long pathHash = fnv1a64(path.getBytes(StandardCharsets.UTF_8));
    SplittableRandom random = new SplittableRandom(mix(mix(mix(seed) ^ (epoch + 1L) * 0x9E3779B97F4A7C15L) ^ pathHash));
    double flipDraw = random.nextDouble();
    double rotationDraw = random.nextDouble();
    double zoomDraw = random.nextDouble();
    double brightnessDraw = random.nextDouble();
    double contrastDraw = random.nextDouble();
    boolean flipped = flip != Flip.NONE && flipDraw <= 0.5; // Keras: uniform() <= 0.5
    boolean horizontal = flipped && (flip == Flip.HORIZONTAL || flip == Flip.HORIZONTAL_AND_VERTICAL);
    boolean vertical = flipped && (flip == Flip.VERTICAL || flip == Flip.HORIZONTAL_AND_VERTICAL);
    return new Transform(
        horizontal,
        vertical,
        rotation.draw(rotationDraw),
        1 + zoom.draw(zoomDraw),
        brightness.draw(brightnessDraw) * 255,
        (1 - contrast.lower) + (contrast.upper + contrast.lower) * contrastDraw);
  }

  /** The draws of one epoch of a run: what each training image of it is changed by. */
  public record Draws(Augmentation augmentation, long seed, int epoch) {

    public Draws {
      java.util.Objects.requireNonNull(augmentation, "augmentation");
    }

    public Transform of(ImageEntry entry) {
      return augmentation.draw(seed, epoch, entry.path());
    }
  }

  /**
   * One image's drawn changes.
   *
   * @param flipHorizontal mirror left and right
   * @param flipVertical mirror top and bottom
   * @param turns rotation, counter-clockwise on screen as Keras turns, in fractions of a full turn
   * @param zoom output pixels sample the input at {@code zoom} times their distance from the centre
   *     (1: none; above 1 zooms out)
   * @param brightnessDelta added to every pixel, in [0, 255] units
   * @param contrastFactor the contrast factor f (1: none)
   */
  public record Transform(
      boolean flipHorizontal, boolean flipVertical, double turns, double zoom, double brightnessDelta, double contrastFactor) {

    /** Nothing changes. */
    public static final Transform IDENTITY = new Transform(false, false, 0, 1, 0, 1);

    /** Values the augmentation graph is fed: see {@link AugmentationOps}. */
    float[] parameters(int height, int width) {
      float[] p = new float[AugmentationOps.PARAMETERS];
      p[0] = flipHorizontal ? 1 : 0;
      p[1] = flipVertical ? 1 : 0;
      System.arraycopy(rotationMatrix(height, width), 0, p, 2, 8);
      System.arraycopy(zoomMatrix(height, width), 0, p, 10, 8);
      p[18] = (float) brightnessDelta;
      p[19] = (float) contrastFactor;
      return p;
    }

    /**
     * Keras' {@code _compute_affine_matrix} for a rotation about ((width - 1) / 2, (height - 1) / 2):
     * the input point each output pixel samples, as ImageProjectiveTransformV3 takes it.
     */
    float[] rotationMatrix(int height, int width) {
      double angle = turns * 2 * Math.PI;
      double cos = Math.cos(angle);
      double sin = Math.sin(angle);
      double cx = 0.5 * (width - 1);
      double cy = 0.5 * (height - 1);
      double a0 = cos;
      double a1 = -sin;
      double a2 = cx - cx * a0 - cy * a1;
      double b0 = sin;
      double b1 = cos;
      double b2 = cy - cx * b0 - cy * b1;
      return new float[] {(float) a0, (float) a1, (float) a2, (float) b0, (float) b1, (float) b2, 0, 0};
    }

    /** Keras' {@code RandomZoom._get_zoom_matrix}, the same zoom on both axes. */
    float[] zoomMatrix(int height, int width) {
      double xOffset = (width - 1) / 2.0 * (1 - zoom);
      double yOffset = (height - 1) / 2.0 * (1 - zoom);
      return new float[] {(float) zoom, 0, (float) xOffset, 0, (float) zoom, (float) yOffset, 0, 0};
    }
  }

  private static Range contrastRange(String value) {
    Range parsed = parseRange("contrast", value);
    // One number f is Keras' factor f (both sides); LOW:HIGH is Keras' tuple (LOW, HIGH).
    return value.contains(":") ? parsed : new Range(parsed.upper, parsed.upper);
  }

  private static Range parseRange(String name, String value) {
    String[] parts = value.split(":", -1);
    if (parts.length > 2) {
      throw FineTuneException.badOption("--augment " + name + "=" + value + ": expected a number or LOW:HIGH");
    }
    double[] numbers = new double[parts.length];
    for (int i = 0; i < parts.length; i++) {
      try {
        numbers[i] = Double.parseDouble(parts[i].strip());
      } catch (NumberFormatException e) {
        throw FineTuneException.badOption("--augment " + name + "=" + value + ": '" + parts[i].strip() + "' is not a number; expected a number or LOW:HIGH");
      }
      if (!Double.isFinite(numbers[i])) {
        throw FineTuneException.badOption("--augment " + name + "=" + value + ": expected finite numbers");
      }
    }
    if (numbers.length == 1) {
      if (numbers[0] < 0) {
        throw FineTuneException.badOption("--augment " + name + "=" + value + ": a single factor must not be negative; use LOW:HIGH for a one-sided range");
      }
      return Range.of(numbers[0]);
    }
    if (numbers[0] > numbers[1]) {
      throw FineTuneException.badOption("--augment " + name + "=" + value + ": LOW must not exceed HIGH");
    }
    return new Range(numbers[0], numbers[1]);
  }

  private static void requireWithin(String name, Range range, double min, double max, boolean minIncluded, String expected) {
    boolean lowOk = minIncluded ? range.lower >= min : range.lower > min;
    if (!lowOk || range.upper > max) {
      String shown = name.equals("contrast") && range.lower == range.upper ? format(range.upper) : range.toString();
      throw FineTuneException.badOption("--augment " + name + "=" + shown + ": expected " + expected);
    }
  }

  private static void appendRange(StringBuilder s, String name, Range range) {
    if (!range.isZero()) {
      s.append(',').append(name).append('=').append(range);
    }
  }

  private static String format(double value) {
    String s = Double.toString(value);
    return s.endsWith(".0") ? s.substring(0, s.length() - 2) : s;
  }

  private static long fnv1a64(byte[] bytes) {
    long hash = 0xcbf29ce484222325L;
    for (byte b : bytes) {
      hash ^= b & 0xff;
      hash *= 0x100000001b3L;
    }
    return hash;
  }

  /** Stafford's 64-bit mix, so nearby inputs give unrelated streams. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
