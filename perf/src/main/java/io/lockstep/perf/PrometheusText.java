package io.lockstep.perf;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Values read out of a Prometheus text scrape (the server's /metrics). */
public final class PrometheusText {

  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{([^}]*)})? (\\S+)",
      Pattern.MULTILINE);
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  private PrometheusText() {
  }

  /** The sum of the metric's samples whose labels (the text between the braces) pass the test. */
  public static double sum(String scrape, String metric, Predicate<String> labels) {
    double sum = 0;
    Matcher sample = SAMPLE.matcher(scrape);
    while (sample.find()) {
      if (sample.group(1).equals(metric) && labels.test(sample.group(2) == null ? "" : sample.group(2))) {
        sum += Double.parseDouble(sample.group(3));
      }
    }
    return sum;
  }

  /** The metric's samples by the value of one of their labels (samples that share it are added up). */
  public static Map<String, Double> byLabel(String scrape, String metric, String label) {
    Map<String, Double> values = new TreeMap<>();
    Matcher sample = SAMPLE.matcher(scrape);
    while (sample.find()) {
      if (sample.group(1).equals(metric) && sample.group(2) != null) {
        Matcher labels = LABEL.matcher(sample.group(2));
        while (labels.find()) {
          if (labels.group(1).equals(label)) {
            values.merge(labels.group(2), Double.parseDouble(sample.group(3)), Double::sum);
          }
        }
      }
    }
    return values;
  }
}
