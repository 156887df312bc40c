package org.finetune.recommend;

import java.util.List;

/** Leave-one-out accuracy of a nearest-class-mean classifier on standardised features. */
final class NearestMean {

  private NearestMean() {}

  /**
   * Each image is classified by the nearest class mean, its own class's mean computed without it;
   * every feature is first standardised over all images (constant features are dropped), so that
   * no channel dominates by its scale. Classes with one image cannot be scored and are skipped.
   */
  static double leaveOneOutAccuracy(List<float[]> features, int[] labels, int classes) {
    int n = labels.length;
    int d = features.get(0).length;
    double[][] x = standardised(features, d);
    double[][] sums = new double[classes][d];
    int[] counts = new int[classes];
    for (int i = 0; i < n; i++) {
      counts[labels[i]]++;
      for (int j = 0; j < d; j++) {
        sums[labels[i]][j] += x[i][j];
      }
    }
    int correct = 0;
    int scored = 0;
    for (int i = 0; i < n; i++) {
      if (counts[labels[i]] < 2) {
        continue;
      }
      scored++;
      if (nearest(x[i], labels[i], sums, counts) == labels[i]) {
        correct++;
      }
    }
    return scored == 0 ? 0 : (double) correct / scored;
  }

  private static int nearest(double[] xi, int own, double[][] sums, int[] counts) {
    int best = -1;
    double bestDistance = Double.POSITIVE_INFINITY;
    for (int c = 0; c < sums.length; c++) {
      int n = c == own ? counts[c] - 1 : counts[c];
      if (n == 0) {
        continue;
      }
      double distance = 0;
      for (int j = 0; j < xi.length; j++) {
        double mean = (c == own ? sums[c][j] - xi[j] : sums[c][j]) / n;
        double diff = xi[j] - mean;
        distance += diff * diff;
      }
      if (distance < bestDistance) {
        bestDistance = distance;
        best = c;
      }
    }
    return best;
  }

  private static double[][] standardised(List<float[]> features, int d) {
    int n = features.size();
    double[] mean = new double[d];
    double[] var = new double[d];
    for (float[] f : features) {
      for (int j = 0; j < d; j++) {
        mean[j] += f[j] / (double) n;
      }
    }
    for (float[] f : features) {
      for (int j = 0; j < d; j++) {
        var[j] += (f[j] - mean[j]) * (f[j] - mean[j]) / n;
      }
    }
    double[][] x = new double[n][d];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < d; j++) {
        x[i][j] = var[j] < 1e-12 ? 0 : (features.get(i)[j] - mean[j]) / Math.sqrt(var[j]);
      }
    }
    return x;
  }
}
