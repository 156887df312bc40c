package org.finetune.data;

import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.exceptions.TFInvalidArgumentException;
import org.tensorflow.exceptions.TFUnimplementedException;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.image.DecodeImage;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TString;
import org.tensorflow.types.TUint8;

/**
 * Fuzz target (Jazzer, {@code scripts/fuzz.sh}), differential: the decompression-bomb check trusts
 * {@link ImageHeader} to say how large an image is before TensorFlow decodes it, so the header must
 * never claim fewer pixels than TensorFlow then decodes. For any bytes whose header reads (and
 * declares at most 1 megapixel, so decoding stays fast), TensorFlow's {@code decode_image} result
 * must not have more pixels than declared. The header parser may only throw
 * IllegalArgumentException, which the decoder turns into an unreadable image.
 */
public final class ImageHeaderFuzzTarget {

  static final long MAX_PIXELS = 1_000_000;

  private static final Graph GRAPH = new Graph();
  private static final Placeholder<TString> INPUT;
  private static final Operand<TInt32> SHAPE;
  private static final Session SESSION;

  static {
    Ops tf = Ops.create(GRAPH);
    INPUT = tf.placeholder(TString.class, Placeholder.shape(Shape.scalar()));
    Operand<TUint8> image =
        tf.image.decodeImage(INPUT, new DecodeImage.Options[] {DecodeImage.channels(3L), DecodeImage.expandAnimations(false)});
    SHAPE = tf.shape(image);
    SESSION = new Session(GRAPH);
  }

  private ImageHeaderFuzzTarget() {}

  public static void fuzzerTestOneInput(byte[] data) {
    ImageHeader header;
    try {
      header = ImageHeader.read(data);
    } catch (IllegalArgumentException refused) {
      return; // never reaches TensorFlow
    }
    if (header.width() < 0 || header.height() < 0 || header.pixels() < header.width() * header.height()) {
      throw new IllegalStateException("inconsistent header " + header);
    }
    if (header.pixels() > MAX_PIXELS) {
      return; // refused unread
    }
    long[] shape = decodedShape(data);
    if (shape != null && shape[0] * shape[1] > header.pixels()) {
      throw new IllegalStateException(
          "the header " + header + " declares fewer pixels than TensorFlow decoded: " + shape[0] + "x" + shape[1]);
    }
  }

  /** [height, width] as TensorFlow decodes the image, or null when it cannot. */
  private static long[] decodedShape(byte[] data) {
    try (TString input = TString.tensorOfBytes(NdArrays.scalarOfObject(data));
        Result result = SESSION.runner().feed(INPUT, input).fetch(SHAPE).run()) {
      TInt32 shape = (TInt32) result.get(0);
      return new long[] {shape.getInt(0), shape.getInt(1)};
    } catch (TFInvalidArgumentException | TFUnimplementedException | TensorFlowException e) {
      return null;
    }
  }
}
