package org.finetune.data;

import java.io.IOException;
import java.util.Locale;
import org.finetune.error.FineTuneException;
import org.finetune.error.IoErrors;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.exceptions.TFInvalidArgumentException;
import org.tensorflow.exceptions.TFUnimplementedException;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.ByteDataBuffer;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.image.DecodeImage;
import org.tensorflow.op.image.ResizeBilinear;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TString;

/**
 * Turns encoded image bytes into the float32 {@code [height, width, channels]} array a model
 * takes, with the same TensorFlow ops Keras uses: {@code tf.io.decode_image(channels=C,
 * expand_animations=False)} (gray is replicated to RGB, alpha dropped), {@code tf.image.resize}
 * bilinear (half-pixel centres, no antialiasing), then {@code preprocess_input}. A decoder made
 * with an {@link Augmentation} can also change an image as a drawn {@link Augmentation.Transform}
 * says, between resizing and {@code preprocess_input}, as Keras' preprocessing layers in front of a
 * model do; without a transform it decodes as any other.
 *
 * <p>Holds one graph and session; {@code Session.run} is thread-safe, so several threads may
 * decode at once. Close it after they are done (closing waits for running decodes).
 */
public final class ImageDecoder implements AutoCloseable {

  /** Larger images are refused unread: 100 million pixels decode to 300 MB of RGB bytes. */
  public static final long DEFAULT_MAX_PIXELS = 100_000_000L;

  private final ImageSpec spec;
  private final Preprocessing preprocessing;
  private final long maxPixels;
  private final Graph graph;
  private final Session session;
  private final Placeholder<TString> encoded;
  private final Operand<TFloat32> image;
  private final Augmentation augmentation;
  private final Placeholder<TFloat32> transform; // null without augmentation
  private final Operand<TFloat32> augmented; // null without augmentation

  public ImageDecoder(ImageSpec spec, Preprocessing preprocessing) {
    this(spec, preprocessing, DEFAULT_MAX_PIXELS);
  }

  public ImageDecoder(ImageSpec spec, Preprocessing preprocessing, long maxPixels) {
    this(spec, preprocessing, maxPixels, Augmentation.NONE);
  }

  /** A decoder that can also augment images as {@code augmentation} draws them (training images only). */
  public ImageDecoder(ImageSpec spec, Preprocessing preprocessing, Augmentation augmentation) {
    this(spec, preprocessing, DEFAULT_MAX_PIXELS, augmentation);
  }

  public ImageDecoder(ImageSpec spec, Preprocessing preprocessing, long maxPixels, Augmentation augmentation) {
    preprocessing.requireChannels(spec.channels());
    if (maxPixels <= 0) {
      throw FineTuneException.badOption("the image pixel limit must be positive, found " + maxPixels);
    }
    this.spec = spec;
    this.preprocessing = preprocessing;
    this.maxPixels = maxPixels;
    this.augmentation = java.util.Objects.requireNonNull(augmentation, "augmentation");
    this.graph = new Graph();
    try {
      Ops tf = Ops.create(graph);
      this.encoded = tf.placeholder(TString.class, Placeholder.shape(Shape.scalar()));
      Operand<TFloat32> pixels = resized(tf, encoded, spec);
      this.image = PreprocessingOps.apply(tf, preprocessing, pixels);
      if (augmentation.enabled()) {
        this.transform = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(AugmentationOps.PARAMETERS)));
        this.augmented = PreprocessingOps.apply(tf, preprocessing, AugmentationOps.apply(tf, augmentation, pixels, transform, spec));
      } else {
        this.transform = null;
        this.augmented = null;
      }
      this.session = new Session(graph, callerThreadConfig());
    } catch (RuntimeException e) {
      graph.close();
      throw e;
    }
  }

  /** Decodes, resizes and preprocesses one image into a new array of {@code spec().valuesPerImage()} floats. */
  public float[] decode(byte[] bytes, String location) {
    return decode(bytes, location, null);
  }

  /**
   * As {@link #decode(byte[], String)}, changed by {@code change} before preprocessing (null: not
   * changed); only for a decoder made with an augmentation, which decides which changes apply.
   */
  public float[] decode(byte[] bytes, String location, Augmentation.Transform change) {
    float[] values = new float[spec.valuesPerImage()];
    run(bytes, location, change, pixels -> pixels.copyTo(DataBuffers.of(values, false, false)));
    return values;
  }

  /** Reads the entry's bytes, then as {@link #decodeInto(byte[], String, TFloat32, int)}. */
  public void decodeInto(ImageEntry entry, TFloat32 batch, int index) {
    decodeInto(entry, batch, index, null);
  }

  /** As {@link #decodeInto(ImageEntry, TFloat32, int)}, changed by {@code change} (null: not changed). */
  public void decodeInto(ImageEntry entry, TFloat32 batch, int index, Augmentation.Transform change) {
    byte[] bytes;
    try {
      bytes = entry.readBytes();
    } catch (IOException e) {
      throw new UnreadableImageException(entry.location(), "cannot read it: " + IoErrors.describe(e));
    }
    decodeInto(bytes, entry.location(), batch, index, change);
  }

  /**
   * Writes the image into slot {@code index} of {@code batch}, a {@code [n, height, width,
   * channels]} tensor: the decoder's output is copied once, straight into the batch's memory.
   * Several threads may fill different slots of one batch at once.
   *
   * @throws UnreadableImageException naming {@code location} when the bytes are not a usable image
   */
  public void decodeInto(byte[] bytes, String location, TFloat32 batch, int index) {
    decodeInto(bytes, location, batch, index, null);
  }

  private void decodeInto(byte[] bytes, String location, TFloat32 batch, int index, Augmentation.Transform change) {
    long imageBytes = (long) spec.valuesPerImage() * Float.BYTES;
    ByteDataBuffer slot = batch.asRawTensor().data().offset(index * imageBytes).narrow(imageBytes);
    run(bytes, location, change, pixels -> pixels.asRawTensor().data().copyTo(slot, imageBytes));
  }

  /** Runs the decoding graph on {@code bytes} and hands the [height, width, channels] result to {@code use}. */
  private void run(byte[] bytes, String location, Augmentation.Transform change, java.util.function.Consumer<TFloat32> use) {
    if (change != null && augmented == null) {
      throw new IllegalStateException("this decoder was made without augmentation; it cannot apply " + change);
    }
    requireAcceptableSize(bytes, location);
    float[] parameters = change == null ? new float[0] : change.parameters(spec.height(), spec.width());
    try (TString input = TString.tensorOfBytes(NdArrays.scalarOfObject(bytes));
        TFloat32 changeInput = TFloat32.tensorOf(Shape.of(parameters.length), DataBuffers.of(parameters, true, false));
        Result result = change == null
            ? session.runner().feed(encoded, input).fetch(image).run()
            : session.runner().feed(encoded, input).feed(transform, changeInput).fetch(augmented).run()) {
      use.accept((TFloat32) result.get(0));
    } catch (TFInvalidArgumentException | TFUnimplementedException | TensorFlowException e) {
      // TF Java maps the decoder's InvalidArgument to an IllegalArgumentException subclass
      throw new UnreadableImageException(location, firstLine(e.getMessage()));
    }
  }


  public ImageSpec spec() {
    return spec;
  }

  public Preprocessing preprocessing() {
    return preprocessing;
  }

  /** What training images may be changed by; {@link Augmentation#NONE} for a plain decoder. */
  public Augmentation augmentation() {
    return augmentation;
  }

  @Override
  public void close() {
    session.close();
    graph.close();
  }

  private void requireAcceptableSize(byte[] bytes, String location) {
    ImageHeader header;
    try {
      header = ImageHeader.read(bytes);
    } catch (IllegalArgumentException e) {
      throw new UnreadableImageException(location, e.getMessage());
    }
    if (header.pixels() > maxPixels) {
      throw new UnreadableImageException(
          location,
          String.format(
              Locale.ROOT,
              "its %s header declares %dx%d (%.1f megapixels to decode), over the limit of %.1f; refused unread",
              header.format(), header.width(), header.height(), header.pixels() / 1e6, maxPixels / 1e6));
    }
  }

  /** decode_image, then resize on float32 exactly as {@code tf.image.resize(..., 'bilinear')} does. */
  private static Operand<TFloat32> resized(Ops tf, Operand<TString> encoded, ImageSpec spec) {
    var decoded =
        tf.image.decodeImage(
            encoded,
            new DecodeImage.Options[] {
              DecodeImage.channels((long) spec.channels()), DecodeImage.expandAnimations(false)
            });
    var batchOfOne = tf.expandDims(tf.dtypes.cast(decoded, TFloat32.class), tf.constant(0));
    var resized =
        tf.image.resizeBilinear(
            batchOfOne,
            tf.constant(new int[] {spec.height(), spec.width()}),
            ResizeBilinear.alignCorners(false),
            ResizeBilinear.halfPixelCenters(true));
    return tf.reshape(resized, tf.constant(new long[] {spec.height(), spec.width(), spec.channels()}));
  }

  /**
   * Runs the decode ops on the calling thread (a negative inter-op count), so that the caller's
   * worker threads are the decode parallelism, independent of other sessions' thread pools. The
   * intra-op pool is left alone: TensorFlow shares it process-wide.
   */
  private static ConfigProto callerThreadConfig() {
    return ConfigProto.newBuilder().setInterOpParallelismThreads(-1).build();
  }

  private static String firstLine(String message) {
    if (message == null || message.isBlank()) {
      return "the decoder gave no reason";
    }
    String line = message.lines().findFirst().orElse(message).strip();
    int context = line.indexOf(" [[");
    return context > 0 ? line.substring(0, context).strip() : line;
  }
}
