package io.lockstep.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.FileSystemXmlConfig;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.lockstep.config.LockstepConfig.ClusterConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.io.FileNotFoundException;

/**
 * The Vert.x a node runs on: a plain one in single-node mode, or one on a Hazelcast-clustered event
 * bus that has joined its members (TCP-IP, multicast off) before the future completes. In clustered
 * mode the node id is the cluster's member id, so that a member leaving names the node whose
 * connections are gone.
 */
public record NodeRuntime(Vertx vertx, HazelcastClusterManager clusterManager, PrometheusMeterRegistry registry) {

  /**
   * Builds the node's Vert.x with its own Prometheus registry, into which Vert.x reports its HTTP,
   * event-bus, pool and JVM metrics and Lockstep its own.
   */
  public static Future<NodeRuntime> start(ClusterConfig config) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    VertxOptions options = new VertxOptions()
        .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true));
    if (!config.enabled()) {
      return Future.succeededFuture(new NodeRuntime(
          Vertx.builder().with(options).withMetrics(new MicrometerMetricsFactory(registry)).build(), null, registry));
    }
    HazelcastClusterManager manager = new HazelcastClusterManager(hazelcastConfig(config));
    options.setEventBusOptions(new EventBusOptions()
        .setHost(config.host()).setClusterPublicHost(config.host()).setPort(config.eventBusPort()));
    return Vertx.builder().with(options).withMetrics(new MicrometerMetricsFactory(registry))
        .withClusterManager(manager).buildClustered()
        .map(vertx -> new NodeRuntime(vertx, manager, registry));
  }

  /** A runtime around a Vert.x built elsewhere (its own metrics, if any, are not in the registry). */
  public static NodeRuntime of(Vertx vertx) {
    return new NodeRuntime(vertx, null, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  public boolean clustered() {
    return clusterManager != null;
  }

  /** The cluster member id, or null in single-node mode. */
  public String memberId() {
    return clusterManager == null ? null : clusterManager.getNodeId();
  }

  /**
   * The Hazelcast configuration: the XML file named by cluster.config_file, or Vert.x's defaults
   * (which declare the maps the clustered event bus needs) with TCP-IP join to the listed members.
   */
  static Config hazelcastConfig(ClusterConfig config) {
    if (!config.configFile().isBlank()) {
      try {
        return new FileSystemXmlConfig(config.configFile());
      } catch (FileNotFoundException e) {
        throw new IllegalStateException("cluster.config_file " + config.configFile() + " does not exist");
      }
    }
    Config hazelcast = ConfigUtil.loadConfig();
    hazelcast.setClusterName(config.name());
    hazelcast.setProperty("hazelcast.phone.home.enabled", "false");
    hazelcast.setProperty("hazelcast.wait.seconds.before.join", "0");
    hazelcast.setProperty("hazelcast.logging.type", "slf4j");
    NetworkConfig network = hazelcast.getNetworkConfig();
    network.setPort(config.port()).setPortAutoIncrement(false);
    network.setPublicAddress(config.host() + ":" + config.port());
    if (config.host().matches("[0-9.]+")) {
      network.getInterfaces().setEnabled(true).addInterface(config.host());
    }
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(config.members().isEmpty()
        ? java.util.List.of(config.host() + ":" + config.port()) : config.members());
    return hazelcast;
  }
}
