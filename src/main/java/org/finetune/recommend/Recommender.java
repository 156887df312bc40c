package org.finetune.recommend;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.finetune.data.Dataset;
import org.finetune.data.ImageDecoder;
import org.finetune.data.ImageEntry;
import org.finetune.data.SkipListener;
import org.finetune.model.BaseNetwork;
import org.finetune.train.StrategyConfig;
import org.finetune.train.StrategyPlan;

/**
 * Classifies a fine-tuning task into one of the reference tutorial's four cases and picks the
 * strategy for it:
 *
 * <table>
 *   <caption>case and strategy</caption>
 *   <tr><th></th><th>similar</th><th>different</th></tr>
 *   <tr><td>small</td><td>freeze</td><td>cut at the last layer whose features still fit</td></tr>
 *   <tr><td>large</td><td>unfreeze the base's last stage</td><td>full</td></tr>
 * </table>
 *
 * Size comes from {@link DataSize}; similarity from {@link BatchNormSimilarity} when the base has
 * BatchNormalization layers, else from {@link FeatureSimilarity}.
 */
public final class Recommender {

  /** Images measured at most, spread evenly over the classes: enough for stable statistics. */
  public static final int MAX_IMAGES = 2000;

  private static final int BATCH_SIZE = 64;

  private Recommender() {}

  /**
   * Measures {@code dataset} (read with {@code decoder}, which must fit the base) against {@code
   * base} and recommends a strategy; the command it prints trains on {@code data} into {@code out}.
   *
   * @param preprocess the user's {@code --preprocess}, repeated in the command; null when guessed
   */
  public static Recommendation recommend(
      BaseNetwork base, Dataset dataset, ImageDecoder decoder, Path data, Path out, String preprocess) {
    DataSize size = DataSize.of(dataset);
    Set<String> skipped = new HashSet<>();
    SkipListener skips = problem -> skipped.add(problem.location());
    Similarity similarity = measure(base, dataset, decoder, skips);
    StrategyConfig strategy = strategy(base, size, similarity);
    StrategyPlan.of(strategy, base); // the printed command must be valid for this base
    return new Recommendation(base.directory(), data, out, preprocess, size, similarity, strategy, skipped.size());
  }

  private static Similarity measure(BaseNetwork base, Dataset dataset, ImageDecoder decoder, SkipListener skips) {
    List<ImageEntry> sample = sample(dataset, MAX_IMAGES);
    List<BatchNormSimilarity.NormLayer> norms = BatchNormSimilarity.normLayers(base);
    return norms.isEmpty()
        ? FeatureSimilarity.measure(base, sample, decoder, dataset.classNames().size(), BATCH_SIZE, skips)
        : BatchNormSimilarity.measure(base, norms, sample, decoder, BATCH_SIZE, skips);
  }

  /**
   * Where the printed command exports to when no {@code --out} is given: {@code
   * serving/<data set name>}, the name being the folder's or the archive's without its extension,
   * or the parent folder's when the data folder is called {@code train}.
   */
  public static Path defaultOut(Path data) {
    Path absolute = data.toAbsolutePath().normalize();
    Path name = absolute.getFileName();
    String text = name == null ? "data" : name.toString().replaceFirst("(?i)\\.(tar\\.gz|tgz|tar|zip)$", "");
    if (text.equals("train") && absolute.getParent() != null && absolute.getParent().getFileName() != null) {
      text = absolute.getParent().getFileName().toString();
    }
    return Path.of("serving", text);
  }

  /**
   * The case's strategy: freeze, cut at the similarity's cut layer, unfreeze the last stage
   * ({@link LayerChoice#lastStage}), or full. A base with nowhere to cut (no layer every path
   * passes) falls back to freeze, the only small-data strategy left.
   */
  static StrategyConfig strategy(BaseNetwork base, DataSize size, Similarity similarity) {
    if (!size.large()) {
      return similarity.similar() || similarity.cutLayer() == null
          ? StrategyConfig.FREEZE
          : StrategyConfig.cut(similarity.cutLayer());
    }
    if (!similarity.similar()) {
      return StrategyConfig.full();
    }
    int top = LayerChoice.lastStage(base).size();
    return top == 0 ? StrategyConfig.FREEZE : StrategyConfig.unfreezeTop(top);
  }

  /**
   * At most {@code max} images, the same number from each class where possible, evenly spaced
   * through each class's files so that no single folder region dominates; deterministic.
   */
  static List<ImageEntry> sample(Dataset dataset, int max) {
    if (dataset.size() <= max) {
      return dataset.entries();
    }
    int classes = dataset.classNames().size();
    int perClass = Math.max(1, max / classes);
    List<List<ImageEntry>> byClass = new ArrayList<>();
    for (int c = 0; c < classes; c++) {
      byClass.add(new ArrayList<>());
    }
    dataset.entries().forEach(e -> byClass.get(e.label()).add(e));
    List<ImageEntry> sample = new ArrayList<>();
    for (List<ImageEntry> entries : byClass) {
      int take = Math.min(perClass, entries.size());
      for (int i = 0; i < take; i++) {
        sample.add(entries.get((int) ((long) i * entries.size() / take)));
      }
    }
    return sample;
  }
}
