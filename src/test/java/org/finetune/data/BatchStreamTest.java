package org.finetune.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

class BatchStreamTest {

  private static final ImageSpec SPEC = new ImageSpec(4, 3, 3);
  private static ImageDecoder decoder;

  @BeforeAll
  static void openDecoder() {
    decoder = new ImageDecoder(SPEC, Preprocessing.NONE);
  }

  @AfterAll
  static void closeDecoder() {
    decoder.close();
  }

  /** Image i is a solid colour whose red value is i, so a batch's pixels show which image is where. */
  private static List<ImageEntry> entries(int count) {
    List<ImageEntry> entries = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      byte[] png = TestImages.png(TestImages.solid(5, 5, i, 0, 0));
      entries.add(new ImageEntry("c" + (i % 3) + "/" + i + ".png", i % 3, "img" + i, new ImageContent.InMemory(png)));
    }
    return entries;
  }

  private static ImageEntry corrupt(String name) {
    return new ImageEntry("c0/" + name, 0, name, new ImageContent.InMemory("broken".getBytes()));
  }

  private static List<String> order(List<ImageEntry> entries, BatchOptions options, int epoch) {
    List<String> seen = new ArrayList<>();
    try (BatchStream stream = BatchStream.open(entries, decoder, options, epoch, SkipListener.IGNORE)) {
      stream.forEachRemaining(batch -> batch.entries().forEach(e -> seen.add(e.location())));
    }
    return seen;
  }

  @Test
  void cutsBatchesInDataSetOrderWithASmallerLastOne() {
    List<ImageEntry> entries = entries(10);
    List<Integer> sizes = new ArrayList<>();
    try (BatchStream stream = BatchStream.open(entries, decoder, BatchOptions.inOrder(4), 0, SkipListener.IGNORE)) {
      assertEquals(3, stream.batchCount());
      stream.forEachRemaining(batch -> {
        sizes.add(batch.size());
        batch.close();
      });
      assertThrows(NoSuchElementException.class, stream::next);
    }
    assertEquals(List.of(4, 4, 2), sizes);
    assertEquals(entries.stream().map(ImageEntry::location).toList(), order(entries, BatchOptions.inOrder(4), 0));
  }

  @Test
  void batchHoldsEachImagesPixelsAndLabelInOrder() {
    List<ImageEntry> entries = entries(5);
    try (BatchStream stream = BatchStream.open(entries, decoder, BatchOptions.inOrder(5).withWorkers(3), 0, SkipListener.IGNORE)) {
      try (Batch batch = stream.next()) {
        assertArrayEquals(new int[] {0, 1, 2, 0, 1}, batch.labels());
        FloatBuffer pixels = FloatBuffer.wrap(floats(batch.pixels()));
        assertEquals(5 * SPEC.valuesPerImage(), pixels.remaining());
        for (int i = 0; i < 5; i++) {
          float[] expected = decoder.decode(entries.get(i).content().read(), "x");
          float[] actual = new float[SPEC.valuesPerImage()];
          pixels.get(actual);
          assertArrayEquals(expected, actual, "image " + i + ", written by its worker into the batch tensor");
        }
      }
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void tensorsHaveTheBatchShape() {
    try (BatchStream stream = BatchStream.open(entries(3), decoder, BatchOptions.inOrder(3), 0, SkipListener.IGNORE)) {
      try (Batch batch = stream.next();
          TInt32 labels = batch.labelsTensor()) {
        TFloat32 pixels = batch.pixels();
        assertArrayEquals(new long[] {3, 4, 3, 3}, pixels.shape().asArray());
        assertEquals(2f, pixels.getFloat(2, 3, 2, 0));
        assertEquals(2, labels.getInt(2));
      }
    }
  }

  @Test
  void shuffleIsFixedBySeedAndEpoch() {
    List<ImageEntry> entries = entries(30);
    BatchOptions options = BatchOptions.shuffled(7, 42);
    List<String> epoch0 = order(entries, options, 0);
    assertEquals(epoch0, order(entries, options, 0));
    assertNotEquals(epoch0, order(entries, options, 1));
    assertNotEquals(epoch0, order(entries, BatchOptions.shuffled(7, 43), 0));
    assertNotEquals(entries.stream().map(ImageEntry::location).toList(), epoch0);
    assertEquals(30, new HashSet<>(epoch0).size(), "every image exactly once per epoch");
  }

  @Test
  void skipsAnUnreadableImageAndTellsTheListener() {
    List<ImageEntry> entries = new ArrayList<>(entries(5));
    entries.add(2, corrupt("bad.png"));
    List<UnreadableImageException> told = new ArrayList<>();
    try (BatchStream stream = BatchStream.open(entries, decoder, BatchOptions.inOrder(3), 0, told::add)) {
      try (Batch first = stream.next()) {
        assertEquals(List.of("img0", "img1"), first.entries().stream().map(ImageEntry::location).toList());
        assertArrayEquals(new long[] {2, 4, 3, 3}, first.pixels().shape().asArray());
        assertEquals(1f, floats(first.pixels())[SPEC.valuesPerImage()], "img1 packed right after img0");
      }
      try (Batch second = stream.next()) {
        assertEquals(3, second.size());
      }
      assertFalse(stream.hasNext());
      assertEquals(1, stream.skippedCount());
    }
    assertEquals(1, told.size());
    assertEquals("bad.png", told.get(0).location());
  }

  @Test
  void aBatchOfOnlyUnreadableImagesIsPassedOver() {
    List<ImageEntry> entries = new ArrayList<>(List.of(corrupt("a"), corrupt("b")));
    entries.addAll(entries(2));
    List<Integer> sizes = new ArrayList<>();
    try (BatchStream stream = BatchStream.open(entries, decoder, BatchOptions.inOrder(2), 0, SkipListener.IGNORE)) {
      stream.forEachRemaining(batch -> {
        sizes.add(batch.size());
        batch.close();
      });
      assertEquals(2, stream.skippedCount());
    }
    assertEquals(List.of(2), sizes);
  }

  @Test
  void strictModeFailsOnTheFirstUnreadableImage() {
    List<ImageEntry> entries = new ArrayList<>(entries(4));
    entries.add(1, corrupt("bad.png"));
    try (BatchStream stream =
        BatchStream.open(entries, decoder, BatchOptions.inOrder(2).withStrict(true), 0, SkipListener.IGNORE)) {
      UnreadableImageException e = assertThrows(UnreadableImageException.class, stream::next);
      assertEquals("bad.png", e.location());
      assertTrue(stream.workersStopped());
    }
  }

  @Test
  void closingEarlyStopsTheWorkers() {
    BatchStream stream = BatchStream.open(entries(40), decoder, BatchOptions.inOrder(2).withWorkers(2), 0, SkipListener.IGNORE);
    try (Batch first = stream.next()) {
      assertEquals(2, first.size());
    }
    stream.close(); // frees the batches decoded ahead
    assertTrue(stream.workersStopped());
    assertFalse(stream.hasNext());
  }

  @Test
  void emptySplitHasNoBatches() {
    try (BatchStream stream = BatchStream.open(List.of(), decoder, BatchOptions.inOrder(4), 0, SkipListener.IGNORE)) {
      assertFalse(stream.hasNext());
      assertEquals(0, stream.batchCount());
    }
  }

  private static float[] floats(TFloat32 tensor) {
    float[] out = new float[(int) tensor.size()];
    tensor.copyTo(org.tensorflow.ndarray.buffer.DataBuffers.of(out, false, false));
    return out;
  }
}
