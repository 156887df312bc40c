package org.finetune.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Counts of (true class, predicted class) pairs: {@code count(t, p)} images of class {@code t}
 * were predicted as {@code p}. Rows are true classes, columns predictions, both indexed like
 * {@link #labels()} (the model's class order). Immutable.
 */
public final class ConfusionMatrix {

  /** An off-diagonal cell: {@code count} images of {@code actual} predicted as {@code predicted}. */
  public record Confusion(int actual, int predicted, int count) {}

  private final List<String> labels;
  private final int[][] counts;

  private ConfusionMatrix(List<String> labels, int[][] counts) {
    this.labels = List.copyOf(labels);
    this.counts = counts;
  }

  /**
   * Tallies {@code actual[i]} against {@code predicted[i]}.
   *
   * @throws IllegalArgumentException when the arrays differ in length or hold an index outside the labels
   */
  public static ConfusionMatrix of(List<String> labels, int[] actual, int[] predicted) {
    Objects.requireNonNull(labels, "labels");
    if (actual.length != predicted.length) {
      throw new IllegalArgumentException(actual.length + " labels but " + predicted.length + " predictions");
    }
    int n = labels.size();
    int[][] counts = new int[n][n];
    for (int i = 0; i < actual.length; i++) {
      if (actual[i] < 0 || actual[i] >= n || predicted[i] < 0 || predicted[i] >= n) {
        throw new IllegalArgumentException(
            "image " + i + ": class " + actual[i] + " predicted as " + predicted[i] + ", outside 0.." + (n - 1));
      }
      counts[actual[i]][predicted[i]]++;
    }
    return new ConfusionMatrix(labels, counts);
  }

  public List<String> labels() {
    return labels;
  }

  public int size() {
    return labels.size();
  }

  public int count(int actual, int predicted) {
    return counts[actual][predicted];
  }

  /** A copy of the counts, {@code [actual][predicted]}. */
  public int[][] counts() {
    int[][] copy = new int[counts.length][];
    for (int i = 0; i < counts.length; i++) {
      copy[i] = counts[i].clone();
    }
    return copy;
  }

  /** Images of class {@code actual} (its support). */
  public int rowSum(int actual) {
    int sum = 0;
    for (int c : counts[actual]) {
      sum += c;
    }
    return sum;
  }

  /** Images predicted as {@code predicted}. */
  public int columnSum(int predicted) {
    int sum = 0;
    for (int[] row : counts) {
      sum += row[predicted];
    }
    return sum;
  }

  /** Correct predictions: the sum of the diagonal. */
  public int trace() {
    int sum = 0;
    for (int i = 0; i < counts.length; i++) {
      sum += counts[i][i];
    }
    return sum;
  }

  public int total() {
    int sum = 0;
    for (int i = 0; i < counts.length; i++) {
      sum += rowSum(i);
    }
    return sum;
  }

  /**
   * The non-empty off-diagonal cells, largest count first (ties: by actual, then predicted class),
   * at most {@code limit}.
   */
  public List<Confusion> mostConfused(int limit) {
    List<Confusion> cells = new ArrayList<>();
    for (int a = 0; a < counts.length; a++) {
      for (int p = 0; p < counts.length; p++) {
        if (a != p && counts[a][p] > 0) {
          cells.add(new Confusion(a, p, counts[a][p]));
        }
      }
    }
    cells.sort(Comparator.comparingInt(Confusion::count).reversed()
        .thenComparingInt(Confusion::actual).thenComparingInt(Confusion::predicted));
    return List.copyOf(cells.subList(0, Math.min(limit, cells.size())));
  }
}
