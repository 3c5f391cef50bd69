package io.lockstep.testkit;

import io.lockstep.plugin.ConfigTree;
import io.lockstep.plugin.ConflictDecision;
import io.lockstep.plugin.ConflictPolicyVerticle;
import io.lockstep.plugin.ConflictRequest;
import io.lockstep.plugin.LockstepPlugin;
import io.lockstep.plugin.PluginContext;
import io.lockstep.plugin.PluginService;
import io.lockstep.plugin.PushProviderVerticle;
import io.lockstep.plugin.PushReply;
import io.vertx.core.Deployable;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;

import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * A plugin on the testkit's own test class path: a conflict policy that records what it was asked and
 * refuses one value, and a push provider that posts each push to a URL and maps the answer's status.
 */
public final class ProbePlugin implements LockstepPlugin {

  /** Every request the policy was asked, in order. */
  static final List<ConflictRequest> ASKED = new CopyOnWriteArrayList<>();

  private URI url;

  @Override
  public String id() {
    return "probe-plugin";
  }

  @Override
  public void init(PluginContext context) {
    url = ConfigTree.pluginSection(id(), context.config()).httpUrl("url", null);
  }

  @Override
  public List<PluginService> services() {
    return url == null ? List.of(PluginService.conflictPolicy("probe"))
        : List.of(PluginService.conflictPolicy("probe"), PluginService.pushProvider("probe-push"));
  }

  @Override
  public List<Supplier<? extends Deployable>> verticles() {
    return url == null ? List.of(Policy::new) : List.of(Policy::new, () -> new Provider(url));
  }

  /** Accepts every write but the value "refuse-me", which it refuses. */
  static final class Policy extends ConflictPolicyVerticle {
    @Override
    protected String policy() {
      return "probe";
    }

    @Override
    protected ConflictDecision decide(ConflictRequest request) {
      ASKED.add(request);
      if ("refuse-me".equals(request.incoming().value())) {
        throw new IllegalArgumentException("must not be refuse-me");
      }
      return ConflictDecision.accept();
    }
  }

  /** Posts the push as it came; 2xx is sent, 410 a dead token, anything else a retry. */
  static final class Provider extends PushProviderVerticle {
    private final URI url;
    private WebClient http;

    Provider(URI url) {
      super("probe-push");
      this.url = url;
    }

    @Override
    public Future<?> start() {
      http = WebClient.create(vertx);
      return super.start();
    }

    @Override
    protected Future<JsonObject> push(JsonObject request) {
      return http.postAbs(url.toString()).sendJsonObject(request).map(response ->
          response.statusCode() / 100 == 2 ? PushReply.sent()
              : response.statusCode() == 410 ? PushReply.deadToken("410 from the relay")
              : PushReply.retry(response.statusCode() + " from the relay"));
    }
  }
}
