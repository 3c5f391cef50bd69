package io.lockstep.perf;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a run's results: the JSON (kept under perf/results for trends) and a self-contained HTML
 * report with charts drawn by uPlot (inlined from its WebJar, so the page works offline).
 */
public final class Report {

  private Report() {
  }

  public static Path write(Path directory, String name, JsonObject results) throws IOException {
    Files.createDirectories(directory);
    Path json = directory.resolve(name + ".json");
    Files.writeString(json, results.encodePrettily());
    Files.writeString(directory.resolve(name + ".html"), html(name, results));
    return json;
  }

  private static String html(String name, JsonObject results) throws IOException {
    StringBuilder charts = new StringBuilder();
    JsonObject chat = results.getJsonObject("chat");
    if (chat != null && chat.getJsonObject("series") != null) {
      JsonArray sent = chat.getJsonObject("series").getJsonArray("sent_per_s");
      charts.append(chart("throughput", "Messages sent and deliveries per second (chat)", indices(sent.size()),
          new JsonArray().add("sent/s").add("deliveries/s"),
          new JsonArray().add(sent).add(chat.getJsonObject("series").getJsonArray("deliveries_per_s"))));
    }
    JsonObject hostile = results.getJsonObject("hostile");
    if (hostile != null) {
      JsonObject memory = hostile.getJsonObject("heap").getJsonObject("series");
      charts.append(chart("memory", "Server memory, MiB, by second of the run (hostile; phases in the JSON)",
          memory.getJsonArray("seconds"), new JsonArray().add("heap used").add("old generation").add("resident"),
          new JsonArray().add(memory.getJsonArray("heap_mib")).add(memory.getJsonArray("old_gen_mib"))
              .add(memory.getJsonArray("resident_mib"))));
    }
    JsonArray labels = new JsonArray();
    JsonArray p50 = new JsonArray();
    JsonArray p99 = new JsonArray();
    for (String key : results.fieldNames()) {
      JsonObject section = results.getValue(key) instanceof JsonObject object ? object : null;
      JsonObject latency = section == null ? null
          : section.getJsonObject("delivered_to_all", section.getJsonObject("latency"));
      if (latency != null) {
        labels.add(key);
        p50.add(latency.getDouble("p50_ms"));
        p99.add(latency.getDouble("p99_ms"));
      }
    }
    if (hostile != null) {
      for (String phase : new String[] {"alone", "with_attackers"}) {
        JsonObject latency = hostile.getJsonObject(phase).getJsonObject("delivered_to_all");
        labels.add("hostile " + phase);
        p50.add(latency.getDouble("p50_ms"));
        p99.add(latency.getDouble("p99_ms"));
      }
    }
    if (!labels.isEmpty()) {
      charts.append(bars("latency", "Latency percentiles (ms): " + String.join(", ", labels.stream().map(String::valueOf).toList()),
          labels, p50, p99));
    }
    return "<!doctype html><html><head><meta charset='utf-8'><title>Lockstep perf " + name + "</title><style>"
        + resource("META-INF/resources/webjars/uplot/1.6.30/dist/uPlot.min.css")
        + "body{font:14px system-ui;margin:1.5rem}pre{background:#f6f8fa;padding:1rem;overflow:auto}</style><script>"
        + resource("META-INF/resources/webjars/uplot/1.6.30/dist/uPlot.iife.min.js")
        + "</script></head><body><h1>Lockstep perf: " + name + "</h1>" + charts
        + "<h2>Results</h2><pre>" + results.encodePrettily().replace("<", "&lt;") + "</pre></body></html>";
  }

  private static JsonArray indices(int count) {
    JsonArray x = new JsonArray();
    for (int i = 0; i < count; i++) {
      x.add(i);
    }
    return x;
  }

  private static String chart(String id, String title, JsonArray x, JsonArray labels, JsonArray series) {
    JsonArray data = new JsonArray();
    data.add(x);
    series.forEach(data::add);
    return "<div id='" + id + "'></div><script>new uPlot({title:" + quote(title) + ",width:900,height:300,scales:{x:{time:false}},"
        + "series:[{label:'second'}," + seriesOptions(labels) + "]}," + data.encode() + ",document.getElementById('" + id + "'));</script>";
  }

  private static String bars(String id, String title, JsonArray labels, JsonArray p50, JsonArray p99) {
    JsonArray x = indices(labels.size());
    return "<div id='" + id + "'></div><script>const L=" + labels.encode() + ";new uPlot({title:" + quote(title)
        + ",width:900,height:300,scales:{x:{time:false}},axes:[{values:(u,t)=>t.map(i=>L[i]??'')},{}],"
        + "series:[{},{label:'p50',stroke:'#1f6feb',paths:uPlot.paths.bars({size:[0.3],align:-1})},"
        + "{label:'p99',stroke:'#c62828',paths:uPlot.paths.bars({size:[0.3],align:1})}]},"
        + new JsonArray().add(x).add(p50).add(p99).encode() + ",document.getElementById('" + id + "'));</script>";
  }

  private static String seriesOptions(JsonArray labels) {
    String[] colors = {"#1f6feb", "#c62828", "#2e7d32"};
    StringBuilder options = new StringBuilder();
    for (int i = 0; i < labels.size(); i++) {
      options.append(i == 0 ? "" : ",").append("{label:").append(quote(labels.getString(i))).append(",stroke:'")
          .append(colors[i % colors.length]).append("'}");
    }
    return options.toString();
  }

  private static String quote(String text) {
    return new JsonArray().add(text).encode().replaceAll("^\\[|]$", "");
  }

  private static String resource(String path) throws IOException {
    try (InputStream in = Report.class.getClassLoader().getResourceAsStream(path)) {
      if (in == null) {
        throw new IOException("missing " + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
