package org.finetune.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ImageHeaderTest {

  @Test
  void readsTheDeclaredSizeOfEachFormat() {
    var image = TestImages.rgb(37, 23);
    assertEquals(new ImageHeader("PNG", 37, 23, 37 * 23), ImageHeader.read(TestImages.png(image)));
    assertEquals(new ImageHeader("JPEG", 37, 23, 37 * 23), ImageHeader.read(TestImages.jpeg(image)));
    assertEquals(new ImageHeader("GIF", 37, 23, 37 * 23), ImageHeader.read(TestImages.gif(image)));
    assertEquals(new ImageHeader("BMP", 37, 23, 37 * 23), ImageHeader.read(TestImages.bmp(image)));
  }

  @Test
  void readsAHugeDeclaredPngWithoutDecoding() {
    assertEquals(50_000L * 50_000L, ImageHeader.read(TestImages.pngDeclaring(50_000, 50_000)).pixels());
  }

  @Test
  void countsGifFramesLargerThanTheScreen() {
    ByteArrayOutputStream gif = new ByteArrayOutputStream();
    gif.writeBytes("GIF89a".getBytes());
    gif.writeBytes(new byte[] {10, 0, 10, 0, 0, 0, 0}); // 10x10 screen, no colour table
    for (int frame = 0; frame < 2; frame++) {
      // image descriptor: 0x2C, left, top, width 60000, height 60000, no local table
      gif.writeBytes(new byte[] {0x2C, 0, 0, 0, 0, (byte) 0x60, (byte) 0xEA, (byte) 0x60, (byte) 0xEA, 0});
      gif.writeBytes(new byte[] {2, 1, 0, 0}); // LZW code size, one 1-byte sub-block, terminator
    }
    gif.write(0x3B);
    assertEquals(2L * 60_000 * 60_000, ImageHeader.read(gif.toByteArray()).pixels());
  }

  /**
   * Found by ImageHeaderFuzzTarget: giflib reads an extension's first sub-block whatever its length
   * and only then looks for the empty one that ends it, so after an empty first sub-block the next
   * byte is a length, not a record. A walk that stopped there missed the frame TensorFlow decoded
   * (declaring 0 pixels for a 3x2 image): a bomb could have hidden behind such an extension.
   */
  @Test
  void aGifExtensionWithAnEmptyFirstSubBlockIsReadAsGiflibReadsIt() {
    byte[] gif = {
      'G', 'I', 'F', '8', '9', 'a', 3, 0, 2, 0, 0, 0, 0, // screen 3x2, no colour table
      0x21, (byte) 0xFE, 0, // comment extension, empty first sub-block...
      2, 'h', 'i', 0, // ...and more sub-blocks up to an empty one, as giflib reads them
      0x2C, 0, 0, 0, 0, (byte) 0xE8, 0x03, (byte) 0xE8, 0x03, 0, // a 1000x1000 frame
      2, 2, 0x4C, 0x01, 0, // LZW data
      0x3B
    };
    ImageHeader header = ImageHeader.read(gif);
    assertEquals(3, header.width());
    assertEquals(1_000_000, header.pixels(), "the frame behind the extension counts");
  }

  @Test
  void unknownContentIsNotAnImage() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ImageHeader.read("hello world".getBytes()));
    assertEquals("not a JPEG, PNG, GIF or BMP image (11 bytes)", e.getMessage());
  }

  @Test
  void truncatedHeadersAreReported() {
    byte[] png = TestImages.png(TestImages.rgb(5, 5));
    assertEquals(
        "truncated PNG: its header is cut short",
        assertThrows(IllegalArgumentException.class, () -> ImageHeader.read(Arrays.copyOf(png, 20))).getMessage());
    byte[] jpeg = TestImages.jpeg(TestImages.rgb(5, 5));
    assertThrows(IllegalArgumentException.class, () -> ImageHeader.read(Arrays.copyOf(jpeg, 30)));
  }
}
