package io.lockstep.plugin;

import io.lockstep.config.LockstepConfig.PluginsConfig;
import io.vertx.core.Deployable;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Loads and runs plugins: the built-in ones from the server's class path, then every jar in the
 * plugins directory, each jar in a class loader of its own. Each plugin is initialised with its
 * configuration section and its verticles are deployed. A plugin that fails is reported with its id
 * (or jar) and the reason and left out, unless it is required, in which case start-up fails.
 */
public final class PluginHost {

  private static final Logger LOG = LoggerFactory.getLogger(PluginHost.class);

  private final Vertx vertx;
  private final PluginsConfig config;
  private final String nodeId;
  private final List<LoadedPlugin> loaded = new ArrayList<>();
  private final List<URLClassLoader> loaders = new ArrayList<>();

  /** A plugin as the server sees it, for the plugins API and the console. */
  public record LoadedPlugin(String id, String source, List<PluginService> services, String state, String error,
                             LockstepPlugin plugin, List<String> deployments) {

    public JsonObject toJson() {
      JsonArray contracts = new JsonArray();
      services.forEach(service -> {
        JsonObject described = new JsonObject().put("contract", service.contract().wireName())
            .put("name", service.name()).put("address", service.address());
        if (service.contract() == Contract.PUSH_PROVIDER) {
          described.put("subscription_tokens", service.subscriptionTokens());
        }
        contracts.add(described);
      });
      return new JsonObject().put("id", id).put("source", source).put("state", state).put("error", error)
          .put("services", contracts);
    }
  }

  public PluginHost(Vertx vertx, PluginsConfig config, String nodeId) {
    this.vertx = vertx;
    this.config = config;
    this.nodeId = nodeId;
  }

  /** Loads everything; fails only when a required plugin could not start. Blocking parts run on a worker. */
  public Future<Void> start() {
    return vertx.executeBlocking(this::discover).compose(candidates -> {
      Future<Void> chain = Future.succeededFuture();
      for (Candidate candidate : candidates) {
        chain = chain.compose(v -> startOne(candidate));
      }
      return chain;
    }).compose(v -> requiredLoaded());
  }

  private record Candidate(String source, LockstepPlugin plugin, String error) {
  }

  private List<Candidate> discover() {
    List<Candidate> candidates = new ArrayList<>();
    collect("classpath", ServiceLoader.load(LockstepPlugin.class, PluginHost.class.getClassLoader()), candidates);
    Path dir = Path.of(config.dir());
    if (Files.isDirectory(dir)) {
      try (Stream<Path> jars = Files.list(dir)) {
        for (Path jar : jars.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) {
          URLClassLoader loader = new URLClassLoader(new URL[] {jarUrl(jar)}, PluginHost.class.getClassLoader());
          loaders.add(loader);
          List<Candidate> found = new ArrayList<>();
          collect(jar.toString(), ServiceLoader.load(LockstepPlugin.class, loader), found);
          // the parent class loader's built-in plugins show up again here: keep only the jar's own
          found.removeIf(candidate -> candidate.plugin() != null && candidate.plugin().getClass().getClassLoader() != loader);
          if (found.isEmpty()) {
            found.add(new Candidate(jar.toString(), null, "the jar declares no io.lockstep.plugin.LockstepPlugin in META-INF/services"));
          }
          candidates.addAll(found);
        }
      } catch (IOException e) {
        LOG.error("could not list the plugins directory {}: {}", dir.toAbsolutePath(), e.getMessage());
      }
    }
    return candidates;
  }

  private static void collect(String source, ServiceLoader<LockstepPlugin> services, List<Candidate> into) {
    Iterator<LockstepPlugin> iterator = services.iterator();
    while (true) {
      try {
        if (!iterator.hasNext()) {
          return;
        }
        into.add(new Candidate(source, iterator.next(), null));
      } catch (ServiceConfigurationError | LinkageError e) {
        into.add(new Candidate(source, null, e.getMessage()));
        return;
      }
    }
  }

  private Future<Void> startOne(Candidate candidate) {
    if (candidate.plugin() == null) {
      return fail(new LoadedPlugin(candidate.source(), candidate.source(), List.of(), "failed", candidate.error(),
          null, List.of()));
    }
    LockstepPlugin plugin = candidate.plugin();
    String id;
    List<PluginService> services;
    try {
      id = plugin.id();
      if (plugin.apiVersion() != LockstepPlugin.API_VERSION) {
        throw new IllegalStateException("built against plugin API " + plugin.apiVersion() + ", the server speaks "
            + LockstepPlugin.API_VERSION);
      }
      if (loaded.stream().anyMatch(other -> other.id().equals(id) && "running".equals(other.state()))) {
        throw new IllegalStateException("another plugin with id '" + id + "' is already loaded");
      }
      plugin.init(context(id));
      services = List.copyOf(plugin.services());
    } catch (RuntimeException | LinkageError e) {
      return fail(new LoadedPlugin(safeId(plugin, candidate), candidate.source(), List.of(), "failed", e.getMessage(),
          plugin, List.of()));
    }
    List<String> deployments = new ArrayList<>();
    Future<Void> chain = Future.succeededFuture();
    for (Supplier<? extends Deployable> verticle : plugin.verticles()) {
      chain = chain.compose(v -> vertx.deployVerticle(verticle.get()).onSuccess(deployments::add).mapEmpty());
    }
    return chain.transform(deployed -> {
      if (deployed.failed()) {
        undeploy(deployments);
        return fail(new LoadedPlugin(id, candidate.source(), services, "failed", deployed.cause().getMessage(),
            plugin, List.of()));
      }
      loaded.add(new LoadedPlugin(id, candidate.source(), services, "running", null, plugin, deployments));
      if (services.isEmpty()) {
        LOG.info("plugin {} loaded from {}: it serves nothing (is plugins.config.{} set?)", id, candidate.source(), id);
      } else {
        LOG.info("plugin {} loaded from {}: {}", id, candidate.source(),
            services.stream().map(s -> s.contract().wireName() + " " + s.name()).toList());
      }
      return Future.succeededFuture();
    });
  }

  private static String safeId(LockstepPlugin plugin, Candidate candidate) {
    try {
      return plugin.id();
    } catch (RuntimeException e) {
      return candidate.source();
    }
  }

  private Future<Void> fail(LoadedPlugin plugin) {
    loaded.add(plugin);
    LOG.error("plugin {} ({}) did not load: {}", plugin.id(), plugin.source(), plugin.error());
    return Future.succeededFuture();
  }

  private Future<Void> requiredLoaded() {
    Set<String> running = new HashSet<>();
    loaded.stream().filter(p -> "running".equals(p.state())).forEach(p -> running.add(p.id()));
    for (String required : config.required()) {
      if (!running.contains(required)) {
        String reason = loaded.stream().filter(p -> p.id().equals(required)).map(LoadedPlugin::error).findFirst()
            .orElse("it was not found in the class path or in " + Path.of(config.dir()).toAbsolutePath());
        return Future.failedFuture(new IllegalStateException("required plugin " + required + " did not load: " + reason));
      }
    }
    return Future.succeededFuture();
  }

  private PluginContext context(String id) {
    JsonObject section = config.config().getJsonObject(id, new JsonObject()).copy();
    return new PluginContext() {
      @Override
      public Vertx vertx() {
        return vertx;
      }

      @Override
      public JsonObject config() {
        return section;
      }

      @Override
      public String nodeId() {
        return nodeId;
      }
    };
  }

  public List<LoadedPlugin> plugins() {
    return List.copyOf(loaded);
  }

  /** The names of the running services of one contract. */
  public Set<String> running(Contract contract) {
    Set<String> names = new HashSet<>();
    services(contract).forEach(s -> names.add(s.name()));
    return names;
  }

  /** The running services of one contract, as their plugins describe them. */
  public List<PluginService> services(Contract contract) {
    return loaded.stream().filter(p -> "running".equals(p.state())).flatMap(p -> p.services().stream())
        .filter(s -> s.contract() == contract).toList();
  }

  public JsonArray toJson() {
    JsonArray plugins = new JsonArray();
    loaded.forEach(plugin -> plugins.add(plugin.toJson()));
    return plugins;
  }

  /** Undeploys every plugin's verticles, then closes the plugins and their class loaders. */
  public Future<Void> stop() {
    List<Future<Void>> undeployed = new ArrayList<>();
    for (LoadedPlugin plugin : loaded) {
      undeployed.add(undeploy(plugin.deployments()));
    }
    return Future.join(undeployed).<Void>mapEmpty().onComplete(done -> {
      for (LoadedPlugin plugin : loaded) {
        if (plugin.plugin() != null && "running".equals(plugin.state())) {
          try {
            plugin.plugin().close();
          } catch (RuntimeException e) {
            LOG.warn("plugin {} did not close cleanly: {}", plugin.id(), e.getMessage());
          }
        }
      }
      for (URLClassLoader loader : loaders) {
        try {
          loader.close();
        } catch (IOException e) {
          LOG.warn("could not close a plugin class loader: {}", e.getMessage());
        }
      }
    }).recover(failure -> Future.succeededFuture());
  }

  private Future<Void> undeploy(List<String> deployments) {
    List<Future<Void>> all = new ArrayList<>();
    deployments.forEach(id -> all.add(vertx.undeploy(id)));
    return Future.join(all).mapEmpty();
  }

  private static URL jarUrl(Path jar) {
    try {
      return jar.toUri().toURL();
    } catch (MalformedURLException e) {
      throw new IllegalStateException(e);
    }
  }
}
