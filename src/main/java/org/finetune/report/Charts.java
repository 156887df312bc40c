package org.finetune.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.finetune.train.EpochMetrics;
import org.finetune.train.History;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.AxisLocation;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.PaintScale;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The report's charts, drawn with JFreeChart into images without a display ({@code
 * java.awt.headless} is set to true before the first one): training curves from an export's
 * history, the confusion matrix as a heat map, and per-class precision, recall and F1.
 */
public final class Charts {

  /** Width and height of a training curve. */
  public static final int CURVE_WIDTH = 720;
  public static final int CURVE_HEIGHT = 360;
  public static final int BARS_HEIGHT = 360;

  private static final Color TRAINING = new Color(0x1f77b4);
  private static final Color VALIDATION = new Color(0xff7f0e);
  private static final Color HEAT = new Color(0x08306b);

  static {
    System.setProperty("java.awt.headless", "true");
  }

  private Charts() {}

  /**
   * Loss (or accuracy) per epoch, training and validation, over both phases in one run of epochs:
   * x counts every epoch of the run, and a marker shows where fine-tuning started.
   *
   * @param accuracy true for accuracy, false for loss
   */
  public static BufferedImage trainingCurve(History history, boolean accuracy) {
    String name = accuracy ? "accuracy" : "loss";
    XYSeries training = new XYSeries("training " + name);
    XYSeries validation = new XYSeries("validation " + name);
    List<EpochMetrics> epochs = history.epochs();
    Integer fineTuneStart = null;
    for (int i = 0; i < epochs.size(); i++) {
      EpochMetrics m = epochs.get(i);
      int x = i + 1;
      training.add(x, accuracy ? m.accuracy() : m.loss());
      Double val = accuracy ? m.valAccuracy() : m.valLoss();
      if (val != null) {
        validation.add(x, val);
      }
      if (fineTuneStart == null && i > 0 && !m.phase().equals(epochs.get(0).phase())) {
        fineTuneStart = x;
      }
    }
    XYSeriesCollection data = new XYSeriesCollection(training);
    if (validation.getItemCount() > 0) {
      data.addSeries(validation);
    }
    JFreeChart chart = ChartFactory.createXYLineChart(
        (accuracy ? "Accuracy" : "Loss") + " per epoch", "epoch", name, data, PlotOrientation.VERTICAL, true, false, false);
    style(chart);
    XYPlot plot = chart.getXYPlot();
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
    renderer.setSeriesPaint(0, TRAINING);
    renderer.setSeriesPaint(1, VALIDATION);
    renderer.setSeriesStroke(0, new BasicStroke(2f));
    renderer.setSeriesStroke(1, new BasicStroke(2f));
    plot.setRenderer(renderer);
    NumberAxis x = (NumberAxis) plot.getDomainAxis();
    x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
    if (accuracy) {
      ((NumberAxis) plot.getRangeAxis()).setRange(0, 1.02);
    } else {
      ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(true);
    }
    if (fineTuneStart != null) {
      ValueMarker marker = new ValueMarker(fineTuneStart - 0.5, Color.GRAY, new BasicStroke(
          1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
      marker.setLabel("fine-tuning from here");
      marker.setLabelAnchor(org.jfree.chart.ui.RectangleAnchor.TOP_RIGHT);
      marker.setLabelTextAnchor(TextAnchor.TOP_LEFT);
      marker.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      plot.addDomainMarker(marker);
    }
    return chart.createBufferedImage(CURVE_WIDTH, CURVE_HEIGHT);
  }

  /** The side of the square heat map for {@code classes} classes: 56 px a class, within 420 to 1400 px. */
  public static int heatMapSize(int classes) {
    return Math.max(420, Math.min(1400, 180 + 56 * classes));
  }

  /**
   * The confusion matrix: true classes down (the first at the top), predictions across, each
   * cell's colour the share of its row (of the true class's images), each cell's count written in
   * it when there are at most 30 classes.
   */
  public static BufferedImage confusionHeatMap(ConfusionMatrix matrix) {
    int n = matrix.size();
    int cells = n * n;
    double[] xs = new double[cells];
    double[] ys = new double[cells];
    double[] zs = new double[cells];
    for (int a = 0; a < n; a++) {
      int row = matrix.rowSum(a);
      for (int p = 0; p < n; p++) {
        int i = a * n + p;
        xs[i] = p;
        ys[i] = a;
        zs[i] = row == 0 ? 0 : (double) matrix.count(a, p) / row;
      }
    }
    DefaultXYZDataset data = new DefaultXYZDataset();
    data.addSeries("share of the true class", new double[][] {xs, ys, zs});
    String[] names = matrix.labels().toArray(String[]::new);
    SymbolAxis predicted = new SymbolAxis("predicted class", names);
    Font ticks = new Font(Font.SANS_SERIF, Font.PLAIN, n <= 12 ? 13 : 10);
    predicted.setTickLabelFont(ticks);
    predicted.setVerticalTickLabels(n > 8);
    predicted.setGridBandsVisible(false);
    SymbolAxis actual = new SymbolAxis("true class", names);
    actual.setInverted(true);
    actual.setTickLabelFont(ticks);
    actual.setGridBandsVisible(false);
    XYBlockRenderer renderer = new XYBlockRenderer();
    PaintScale scale = new ShareScale();
    renderer.setPaintScale(scale);
    XYPlot plot = new XYPlot(data, predicted, actual, renderer);
    plot.setDomainGridlinesVisible(false);
    plot.setRangeGridlinesVisible(false);
    plot.setBackgroundPaint(Color.WHITE);
    plot.setOutlinePaint(Color.GRAY);
    plot.setAxisOffset(RectangleInsets.ZERO_INSETS);
    predicted.setRange(-0.5, n - 0.5);
    actual.setRange(-0.5, n - 0.5);
    if (n <= 30) {
      Font font = new Font(Font.SANS_SERIF, Font.BOLD, n <= 12 ? 14 : 10);
      for (int a = 0; a < n; a++) {
        int row = matrix.rowSum(a);
        for (int p = 0; p < n; p++) {
          XYTextAnnotation count = new XYTextAnnotation(Integer.toString(matrix.count(a, p)), p, a);
          count.setFont(font);
          double share = row == 0 ? 0 : (double) matrix.count(a, p) / row;
          count.setPaint(share > 0.5 ? Color.WHITE : Color.BLACK);
          count.setTextAnchor(TextAnchor.CENTER);
          plot.addAnnotation(count);
        }
      }
    }
    JFreeChart chart = new JFreeChart("Confusion matrix", new Font(Font.SANS_SERIF, Font.BOLD, 16), plot, false);
    NumberAxis legendAxis = new NumberAxis("share of the true class's images");
    legendAxis.setRange(0, 1);
    PaintScaleLegend legend = new PaintScaleLegend(scale, legendAxis);
    legend.setPosition(RectangleEdge.RIGHT);
    legend.setAxisLocation(AxisLocation.TOP_OR_RIGHT);
    legend.setMargin(new RectangleInsets(10, 10, 10, 10));
    legend.setStripWidth(14);
    chart.addSubtitle(legend);
    style(chart);
    int size = heatMapSize(n);
    return chart.createBufferedImage(size + 110, size);
  }

  /** The width of the per-class bar chart: 60 px a class, within 720 to 1600 px. */
  public static int barsWidth(int classes) {
    return Math.max(CURVE_WIDTH, Math.min(1600, 160 + 60 * classes));
  }

  /** Precision, recall and F1 of every class, side by side. */
  public static BufferedImage perClassBars(ClassificationMetrics metrics) {
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    add(data, metrics, "precision", ClassificationMetrics.PerClass::precision);
    add(data, metrics, "recall", ClassificationMetrics.PerClass::recall);
    add(data, metrics, "F1", ClassificationMetrics.PerClass::f1);
    JFreeChart chart = ChartFactory.createBarChart(
        "Precision, recall and F1 per class", "class", "score", data, PlotOrientation.VERTICAL, true, false, false);
    style(chart);
    CategoryPlot plot = chart.getCategoryPlot();
    ((NumberAxis) plot.getRangeAxis()).setRange(0, 1.02);
    BarRenderer renderer = (BarRenderer) plot.getRenderer();
    renderer.setBarPainter(new StandardBarPainter());
    renderer.setShadowVisible(false);
    renderer.setItemMargin(0.02);
    renderer.setSeriesPaint(0, TRAINING);
    renderer.setSeriesPaint(1, VALIDATION);
    renderer.setSeriesPaint(2, new Color(0x2ca02c));
    CategoryAxis classes = plot.getDomainAxis();
    if (metrics.labels().size() > 10) {
      classes.setCategoryLabelPositions(CategoryLabelPositions.UP_90);
    }
    return chart.createBufferedImage(barsWidth(metrics.labels().size()), BARS_HEIGHT);
  }

  private static void add(
      DefaultCategoryDataset data, ClassificationMetrics metrics, String series, ToDoubleFunction<ClassificationMetrics.PerClass> value) {
    for (ClassificationMetrics.PerClass c : metrics.perClass()) {
      data.addValue(value.applyAsDouble(c), series, c.label());
    }
  }

  private static void style(JFreeChart chart) {
    chart.setBackgroundPaint(Color.WHITE);
    chart.setAntiAlias(true);
    chart.setTextAntiAlias(true);
    if (chart.getPlot() instanceof XYPlot xy && !(xy.getRenderer() instanceof XYBlockRenderer)) {
      xy.setBackgroundPaint(Color.WHITE);
      xy.setDomainGridlinePaint(new Color(0xdddddd));
      xy.setRangeGridlinePaint(new Color(0xdddddd));
    } else if (chart.getPlot() instanceof CategoryPlot category) {
      category.setBackgroundPaint(Color.WHITE);
      category.setRangeGridlinePaint(new Color(0xdddddd));
    }
  }

  /** White at 0 to dark blue at 1. */
  private static final class ShareScale implements PaintScale {
    @Override
    public double getLowerBound() {
      return 0;
    }

    @Override
    public double getUpperBound() {
      return 1;
    }

    @Override
    public Paint getPaint(double value) {
      double t = Math.max(0, Math.min(1, Double.isNaN(value) ? 0 : value));
      return new Color(
          (int) Math.round(255 + (HEAT.getRed() - 255) * t),
          (int) Math.round(255 + (HEAT.getGreen() - 255) * t),
          (int) Math.round(255 + (HEAT.getBlue() - 255) * t));
    }
  }
}
