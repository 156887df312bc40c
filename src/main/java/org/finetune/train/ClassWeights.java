package org.finetune.train;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.finetune.error.FineTuneException;

/**
 * Keras' {@code class_weight}: each training image's loss is scaled by its class's weight (the
 * mean over the batch still divides by the batch size). Validation and test losses are not.
 */
public sealed interface ClassWeights {

  /** One weight per class, in class order. */
  double[] resolve(List<String> classNames, int[] imagesPerClass);

  /**
   * scikit-learn's {@code "balanced"}, as the Keras imbalanced-data tutorial computes it: {@code
   * images / (classes * images of the class)}, so every class weighs the same in total.
   */
  record Balanced() implements ClassWeights {
    @Override
    public double[] resolve(List<String> classNames, int[] imagesPerClass) {
      long total = 0;
      for (int count : imagesPerClass) {
        total += count;
      }
      double[] weights = new double[classNames.size()];
      for (int c = 0; c < weights.length; c++) {
        weights[c] = imagesPerClass[c] == 0 ? 1 : total / ((double) weights.length * imagesPerClass[c]);
      }
      return weights;
    }
  }

  /** Weights given by class name; a class not named weighs 1. */
  record Given(Map<String, Double> byClass) implements ClassWeights {
    public Given {
      byClass = Map.copyOf(new LinkedHashMap<>(byClass));
      byClass.forEach((name, weight) -> {
        if (!(weight > 0) || Double.isInfinite(weight)) {
          throw FineTuneException.badOption("--class-weight " + name + "=" + weight + ": a weight must be a positive number");
        }
      });
    }

    @Override
    public double[] resolve(List<String> classNames, int[] imagesPerClass) {
      for (String name : byClass.keySet()) {
        if (!classNames.contains(name)) {
          throw FineTuneException.badOption("--class-weight names class '" + name + "', which the data does not have;"
              + " its classes are " + classNames);
        }
      }
      return classNames.stream().mapToDouble(name -> byClass.getOrDefault(name, 1.0)).toArray();
    }
  }

  /** {@code auto} or {@code NAME=WEIGHT,NAME=WEIGHT...}, as {@code --class-weight} takes it. */
  public static ClassWeights parse(String text) {
    if (text.strip().equals("auto") || text.strip().equals("balanced")) {
      return new Balanced();
    }
    Map<String, Double> weights = new LinkedHashMap<>();
    for (String item : text.split(",")) {
      int eq = item.lastIndexOf('=');
      if (eq <= 0) {
        throw FineTuneException.badOption("--class-weight expects auto or CLASS=WEIGHT,...; '" + item.strip()
            + "' has no CLASS=");
      }
      String name = item.substring(0, eq).strip();
      try {
        if (weights.put(name, Double.parseDouble(item.substring(eq + 1).strip())) != null) {
          throw FineTuneException.badOption("--class-weight names class '" + name + "' twice");
        }
      } catch (NumberFormatException e) {
        throw FineTuneException.badOption("--class-weight " + item.strip() + ": '" + item.substring(eq + 1).strip()
            + "' is not a number");
      }
    }
    return new Given(weights);
  }
}
