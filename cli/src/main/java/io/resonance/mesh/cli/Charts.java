package io.resonance.mesh.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BoxChart;
import org.knowm.xchart.BoxChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;

/**
 * The benchmarks' pictures: PNG files drawn by XChart from the same numbers as the run's JSON,
 * written into the bench's {@code --charts} directory, so that BENCHMARKS.md can show them.
 */
final class Charts {

  static final int WIDTH = 1000;
  static final int HEIGHT = 560;

  static {
    // A bench runs on servers and in CI without a display.
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  private Charts() {}

  static XYChart lines(String title, String x, String y) {
    XYChart chart =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(title)
            .xAxisTitle(x)
            .yAxisTitle(y)
            .build();
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    chart.getStyler().setMarkerSize(3);
    return chart;
  }

  static BoxChart boxes(String title, String y) {
    BoxChart chart =
        new BoxChartBuilder().width(WIDTH).height(HEIGHT).title(title).yAxisTitle(y).build();
    chart.getStyler().setLegendVisible(false);
    chart.getStyler().setXAxisLabelRotation(20);
    return chart;
  }

  /** Writes the chart as {@code dir/name.png} and returns the file. */
  static Path save(Path dir, String name, Chart<?, ?> chart) {
    try {
      Files.createDirectories(dir);
      Path file = dir.resolve(name + ".png");
      BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the chart " + name + " into " + dir, e);
    }
  }

  /** A series can only be drawn with at least one value; an empty one is left out. */
  static boolean drawable(List<? extends Number> values) {
    return values != null && !values.isEmpty();
  }
}
