package org.finetune.data;

/**
 * The size an encoded image declares in its header, read without decoding it, so that an image
 * that would inflate to gigabytes (a decompression bomb) can be refused first. The formats are
 * recognised by the same leading bytes TensorFlow's {@code DecodeImage} dispatches on.
 *
 * @param format JPEG, PNG, GIF or BMP
 * @param width declared width
 * @param height declared height
 * @param pixels pixels the decoder would allocate at once; for a GIF the largest of the logical
 *     screen, the canvas spanning all frames, and all frames together, since the decoder reads
 *     every frame even when only the first is kept
 */
record ImageHeader(String format, long width, long height, long pixels) {

  /** Reads the header; {@link IllegalArgumentException} says, in one line, what is wrong. */
  static ImageHeader read(byte[] data) {
    Bytes b = new Bytes(data);
    if (b.startsWith(0xFF, 0xD8, 0xFF)) {
      return jpeg(b);
    }
    if (b.startsWith(0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n')) {
      return png(b);
    }
    if (b.startsWith('G', 'I', 'F', '8')) {
      return gif(b);
    }
    if (b.startsWith('B', 'M')) {
      return bmp(b);
    }
    throw new IllegalArgumentException("not a JPEG, PNG, GIF or BMP image (" + data.length + " bytes)");
  }

  private static ImageHeader png(Bytes b) {
    b.require(24, "PNG");
    if (!(b.u8(12) == 'I' && b.u8(13) == 'H' && b.u8(14) == 'D' && b.u8(15) == 'R')) {
      throw new IllegalArgumentException("corrupt PNG: the first chunk is not IHDR");
    }
    return of("PNG", b.u32be(16), b.u32be(20));
  }

  /** Walks the marker segments up to the first start-of-frame, which holds the size. */
  private static ImageHeader jpeg(Bytes b) {
    int pos = 2;
    while (pos + 4 <= b.length()) {
      if (b.u8(pos) != 0xFF) {
        throw new IllegalArgumentException("corrupt JPEG: no marker at byte " + pos);
      }
      int marker = b.u8(pos + 1);
      if (marker == 0xFF) {
        pos++; // fill byte
      } else if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {
        pos += 2; // markers without a length
      } else if (marker == 0xD9 || marker == 0xDA) {
        throw new IllegalArgumentException("corrupt JPEG: no frame header before the image data");
      } else if (isStartOfFrame(marker)) {
        b.require(pos + 9, "JPEG");
        return of("JPEG", b.u16be(pos + 7), b.u16be(pos + 5));
      } else {
        pos += 2 + b.u16be(pos + 2);
      }
    }
    throw new IllegalArgumentException("truncated JPEG: it ends before its frame header");
  }

  private static boolean isStartOfFrame(int marker) {
    return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
  }

  private static ImageHeader bmp(Bytes b) {
    b.require(26, "BMP");
    // TensorFlow reads both as signed 32-bit; a negative height means rows stored top-down.
    long width = Math.abs((long) b.s32le(18));
    long height = Math.abs((long) b.s32le(22));
    return of("BMP", width, height);
  }

  /**
   * Walks the image descriptors after the logical screen, measuring every frame, record by record
   * as giflib does, so that every frame TensorFlow's decoder would find is counted (a walk that
   * lost step with giflib's could miss frames and let a bomb through: ImageHeaderFuzzTarget).
   */
  private static ImageHeader gif(Bytes b) {
    b.require(13, "GIF");
    long width = b.u16le(6);
    long height = b.u16le(8);
    int pos = 13 + colorTableSize(b.u8(10));
    long framePixels = 0;
    long canvasWidth = 0;
    long canvasHeight = 0;
    while (pos < b.length()) {
      int block = b.u8(pos);
      if (block == 0x2C && pos + 10 <= b.length()) {
        long frameWidth = b.u16le(pos + 5);
        long frameHeight = b.u16le(pos + 7);
        framePixels += frameWidth * frameHeight;
        canvasWidth = Math.max(canvasWidth, frameWidth);
        canvasHeight = Math.max(canvasHeight, frameHeight);
        pos = skipSubBlocks(b, pos + 10 + colorTableSize(b.u8(pos + 9)) + 1);
      } else if (block == 0x21) {
        // As giflib (DGifSlurp) reads an extension: the label, one sub-block whatever its length,
        // then sub-blocks up to an empty one. An empty first sub-block does not end it there.
        int first = pos + 2;
        pos = first < b.length() ? skipSubBlocks(b, first + 1 + b.u8(first)) : first;
      } else {
        break; // trailer, or data the decoder will reject itself
      }
    }
    long pixels = Math.max(width * height, Math.max(canvasWidth * canvasHeight, framePixels));
    return new ImageHeader("GIF", width, height, pixels);
  }

  private static int colorTableSize(int packed) {
    return (packed & 0x80) == 0 ? 0 : 3 * (1 << ((packed & 0x07) + 1));
  }

  private static int skipSubBlocks(Bytes b, int pos) {
    while (pos < b.length()) {
      int size = b.u8(pos);
      pos += 1 + size;
      if (size == 0) {
        break;
      }
    }
    return pos;
  }

  private static ImageHeader of(String format, long width, long height) {
    return new ImageHeader(format, width, height, width * height);
  }

  /** Bounds-checked little reads over the encoded bytes. */
  private record Bytes(byte[] data) {
    int length() {
      return data.length;
    }

    boolean startsWith(int... prefix) {
      if (data.length < prefix.length) {
        return false;
      }
      for (int i = 0; i < prefix.length; i++) {
        if (u8(i) != prefix[i]) {
          return false;
        }
      }
      return true;
    }

    void require(int length, String format) {
      if (data.length < length) {
        throw new IllegalArgumentException("truncated " + format + ": its header is cut short");
      }
    }

    int u8(int i) {
      return data[i] & 0xFF;
    }

    int u16be(int i) {
      require(i + 2, "image");
      return (u8(i) << 8) | u8(i + 1);
    }

    int u16le(int i) {
      require(i + 2, "image");
      return u8(i) | (u8(i + 1) << 8);
    }

    long u32be(int i) {
      return ((long) u16be(i) << 16) | u16be(i + 2);
    }

    int s32le(int i) {
      return u16le(i) | (u16le(i + 2) << 16);
    }
  }
}
