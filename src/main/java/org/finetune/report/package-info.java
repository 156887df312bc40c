/**
 * Measuring an export on labelled images and reporting it. Pure Java: no TensorFlow here (the
 * facade, {@link org.finetune.FineTuner#evaluate}, runs the model and hands the outcome over).
 *
 * <p>Owns:
 *
 * <ul>
 *   <li>the metrics: accuracy, top-k accuracy, per-class precision, recall and F1 with 0/0
 *       reported as 0, their averages ({@link org.finetune.report.ClassificationMetrics}) and the
 *       confusion matrix ({@link org.finetune.report.ConfusionMatrix});
 *   <li>what an evaluation found, image by image ({@link org.finetune.report.ModelEvaluation});
 *   <li>the charts, drawn headless with JFreeChart: training curves from {@code history.json}, the
 *       confusion heat map, per-class bars ({@link org.finetune.report.Charts}), and image
 *       thumbnails ({@link org.finetune.report.Thumbnails});
 *   <li>the report folder: one self-contained HTML page (everything embedded as {@code data:}
 *       URIs, so it opens offline), the charts as PNG files, {@code metrics.json}; written under a
 *       hidden name and renamed, never over an existing folder ({@link
 *       org.finetune.report.HtmlReport}).
 * </ul>
 */
package org.finetune.report;
