package io.lockstep.ops;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The version this node was built as (written into the jar by Maven), shown by the console and
 * exported as {@code lockstep_build_info{version}} = 1, so that a dashboard can tell the nodes of a
 * rolling upgrade apart.
 */
public final class BuildInfo {

  private static final String RESOURCE = "/io/lockstep/build.properties";
  private static final String VERSION = read();

  private BuildInfo() {
  }

  public static String version() {
    return VERSION;
  }

  /** Registers {@code lockstep_build_info{version}}; answers the gauge, for removal when the server stops. */
  public static Gauge register(MeterRegistry registry) {
    return Gauge.builder("lockstep.build.info", () -> 1).description("The Lockstep version this node runs (always 1)")
        .tag("version", VERSION).register(registry);
  }

  private static String read() {
    try (InputStream in = BuildInfo.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        return "unknown";
      }
      Properties properties = new Properties();
      properties.load(in);
      return properties.getProperty("version", "unknown");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
