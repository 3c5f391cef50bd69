package io.lockstep.perf;

import io.lockstep.client.ClientOptions;
import io.lockstep.client.LockstepClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The load generator's side: one Vert.x with one event loop per core, a Lockstep client holding
 * thousands of device connections (one client per source address where devices are given one),
 * token minting with the server's secret, and the server API.
 */
public final class Fleet implements AutoCloseable {

  /** The most members one server API request creates a conversation with or adds. */
  static final int MEMBERS_PER_REQUEST = 10_000;

  private static final long HEARTBEAT_MS = 15_000;
  private static final JsonObject PING = new JsonObject().put("type", "ping");

  private final Vertx vertx;
  private final LockstepClient clients;
  private final Map<String, LockstepClient> clientsBySource = new ConcurrentHashMap<>();
  private final WebClient http;
  private final JWTAuth jwt;
  private final int port;
  private final Set<Device> connected = ConcurrentHashMap.newKeySet();

  public Fleet(int port) {
    this.port = port;
    int cores = Runtime.getRuntime().availableProcessors();
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(cores));
    this.clients = LockstepClient.create(vertx, clientOptions());
    this.http = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
    this.jwt = JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(ServerProcess.JWT_SECRET)));
    long[] tick = {0};
    vertx.setPeriodic(1000, id -> {
      long phase = tick[0]++ % (HEARTBEAT_MS / 1000);
      connected.forEach(device -> {
        if (device.index % (HEARTBEAT_MS / 1000) == phase) {
          device.send(PING);
        }
      });
    });
  }

  /**
   * Every connected device pings once per half of the server's default heartbeat interval, as real
   * clients do, spread over the interval (each device on its own second) rather than all at once.
   */
  void connected(Device device) {
    connected.add(device);
  }

  void disconnected(Device device) {
    connected.remove(device);
  }

  public Vertx vertx() {
    return vertx;
  }

  /**
   * The client whose connections leave from the given local address (null: the default one), so
   * that the server sees them as coming from that address; kept for the fleet's lifetime.
   */
  public LockstepClient clients(String sourceAddress) {
    return sourceAddress == null ? clients : clientsBySource.computeIfAbsent(sourceAddress,
        address -> LockstepClient.create(vertx, clientOptions().withLocalAddress(address)));
  }

  private ClientOptions clientOptions() {
    return ClientOptions.of("127.0.0.1", port).withMaxConnections(100_000);
  }

  public int port() {
    return port;
  }

  public String token(String userId) {
    return jwt.generateToken(new JsonObject().put("sub", userId));
  }

  /**
   * Creates a conversation through the server API; answers its id. Above {@value #MEMBERS_PER_REQUEST}
   * members the rest are added that many at a time, as the API takes them.
   */
  public Future<String> conversation(String kind, List<String> members) {
    List<String> first = members.subList(0, Math.min(members.size(), MEMBERS_PER_REQUEST));
    Future<String> created = http.post("/v1/server/conversations").bearerTokenAuthentication(ServerProcess.API_KEY)
        .sendJsonObject(new JsonObject().put("kind", kind).put("members", new JsonArray(new ArrayList<>(first))))
        .map(response -> {
          if (response.statusCode() != 201) {
            throw new IllegalStateException("conversation not created: " + response.bodyAsString());
          }
          return response.bodyAsJsonObject().getJsonObject("conversation").getString("conversation_id");
        });
    for (int from = MEMBERS_PER_REQUEST; from < members.size(); from += MEMBERS_PER_REQUEST) {
      List<String> more = members.subList(from, Math.min(members.size(), from + MEMBERS_PER_REQUEST));
      created = created.compose(id -> http.post("/v1/server/conversations/" + id + "/members")
          .bearerTokenAuthentication(ServerProcess.API_KEY)
          .sendJsonObject(new JsonObject().put("user_ids", new JsonArray(new ArrayList<>(more))))
          .map(response -> {
            if (response.statusCode() != 200) {
              throw new IllegalStateException("members not added: " + response.bodyAsString());
            }
            return id;
          }));
    }
    return created;
  }

  /** Runs the tasks with at most parallel of them in flight; completes when all did. */
  public static <T> List<T> inBatches(List<T> items, int parallel, Function<T, Future<?>> task) {
    for (int from = 0; from < items.size(); from += parallel) {
      List<Future<?>> batch = new ArrayList<>();
      for (T item : items.subList(from, Math.min(items.size(), from + parallel))) {
        batch.add(task.apply(item));
      }
      await(Future.all(batch));
    }
    return items;
  }

  /** Closes the devices' sockets, waiting at most 30 s for the close handshakes. */
  public static void closeAll(List<Device> devices) {
    try {
      Future.join(devices.stream().map(Device::close).toList()).toCompletionStage().toCompletableFuture()
          .get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.out.println("  (some sockets did not finish their close handshake within 30 s)");
    }
  }

  public static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.MINUTES);
    } catch (Exception e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    await(vertx.close());
  }
}
