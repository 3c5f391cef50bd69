package io.lockstep;

import io.lockstep.config.LockstepConfig;

/** The start-up banner: where the node listens and, in dev mode, a ready-to-use client token. */
final class Banner {

  private static final String DEV_USER = "alice";

  private Banner() {
  }

  static String of(LockstepServer server) {
    LockstepConfig config = server.config();
    String host = config.http().host().equals("0.0.0.0") ? "localhost" : config.http().host();
    String base = "http://" + host + ":" + config.http().port();
    StringBuilder text = new StringBuilder()
        .append("\nLockstep node ").append(config.nodeId()).append(" is up (").append(config.mode().name().toLowerCase())
        .append(" mode")
        .append(config.cluster().enabled() ? ", clustered on " + config.cluster().host() + ":" + config.cluster().port() : "")
        .append(")\n")
        .append(config.http().loopbackOnly()
            ? "  Listening on " + config.http().host() + " only: set LOCKSTEP_HTTP_HOST=0.0.0.0 to accept other machines\n"
            : "")
        .append("  WebSocket  ws://").append(host).append(':').append(config.http().port()).append("/v1/ws\n")
        .append("  SockJS     ").append(base).append("/v1/sockjs\n")
        .append("  REST       ").append(base).append("/v1/devices  (client token)  ")
        .append(base).append("/v1/server/...  (API key)\n");
    if (config.devMode()) {
      text.append("  Dev token for user \"").append(DEV_USER).append("\" (24 h; POST ").append(base)
          .append("/dev/token {\"user_id\": \"...\"} mints more):\n    ")
          .append(server.auth().mint(DEV_USER, 24 * 3600)).append('\n')
          .append("  API key: ").append(config.apiKey()).append('\n')
          .append("  Console: ").append(consoleBase(config, host)).append("/admin  (").append(config.admin().username()).append(" / ")
          .append(config.admin().password()).append(")\n")
          .append("  Playground: ").append(base).append("/playground  (several devices, live, in one page)\n")
          .append("  Try: send {\"type\":\"hello\",\"token\":\"<token>\"} over the WebSocket.\n");
    }
    return text.toString();
  }

  /** Where the console is: on the client port, or on admin.port when it has its own. */
  private static String consoleBase(LockstepConfig config, String clientHost) {
    if (!config.admin().ownPort()) {
      return "http://" + clientHost + ":" + config.http().port();
    }
    String host = config.admin().host().equals("0.0.0.0") ? "localhost" : config.admin().host();
    return "http://" + host + ":" + config.admin().port();
  }
}
