package io.lockstep.api;

import io.lockstep.auth.TokenAuth;
import io.lockstep.config.LimitsConfig.Rated;
import io.lockstep.limits.RateLimits;
import io.lockstep.limits.Refusal;
import io.lockstep.protocol.ErrorCode;
import io.lockstep.protocol.Fields;
import io.lockstep.protocol.LockstepException;
import io.lockstep.protocol.Storable;
import io.lockstep.bus.BusClient;
import io.lockstep.bus.BusReply;
import io.lockstep.bus.Caller;
import io.lockstep.bus.ConversationCalls.AddMember;
import io.lockstep.bus.ConversationCalls.ListMembers;
import io.lockstep.bus.ConversationCalls.CreateConversation;
import io.lockstep.bus.ConversationCalls.RemoveMember;
import io.lockstep.bus.DeviceCalls.ListDevices;
import io.lockstep.bus.DeviceCalls.RegisterDevice;
import io.lockstep.bus.DeviceCalls.RenameDevice;
import io.lockstep.bus.DeviceCalls.RevokeDevice;
import io.lockstep.bus.DeviceCalls.UnlinkAfterDrain;
import io.lockstep.bus.PluginCalls.ListPlugins;
import io.lockstep.bus.ReadStateCalls.ListConversations;
import io.lockstep.bus.SettingsCalls.GetSettings;
import io.lockstep.bus.SettingsCalls.SetSetting;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/**
 * The REST endpoints: the clients' device API under /v1/devices (client JWT), the integrators'
 * server API under /v1/server (API key) and, in dev mode, token minting at /dev/token. Every
 * request goes to the same sync operations as the WebSocket frames, so validation and errors match.
 */
public final class HttpApi {

  private static final String USER = "lockstep.user";
  private static final int DEV_TOKEN_SECONDS = 24 * 3600;
  private static final int MEMBERS_PAGE = 1000;

  private final BusClient bus;
  private final TokenAuth auth;
  private final byte[] apiKey;
  private final boolean devMode;
  private final RateLimits limits;

  public HttpApi(BusClient bus, TokenAuth auth, String apiKey, boolean devMode, RateLimits limits) {
    this.bus = bus;
    this.auth = auth;
    this.apiKey = apiKey.getBytes(StandardCharsets.UTF_8);
    this.devMode = devMode;
    this.limits = limits;
  }

  public void mount(Router router) {
    router.route("/v1/*").handler(HttpApi::refuseUnstorablePath);
    router.route("/dev/*").handler(HttpApi::refuseUnstorablePath);
    if (devMode) {
      router.post("/dev/token").handler(this::mintToken);
    }
    router.route("/v1/devices*").handler(this::requireClient);
    router.post("/v1/devices").handler(ctx -> {
      Refusal registering = limits.take(Rated.DEVICES_USER, ctx.get(USER), 1);
      if (registering != null) {
        HttpErrors.respond(ctx, registering.toError("registering another device"));
        return;
      }
      respond(ctx, bus.call(RegisterDevice.from(caller(ctx), body(ctx))), 201);
    });
    router.get("/v1/devices").handler(ctx -> respond(ctx, bus.call(new ListDevices(caller(ctx))), 200));
    router.patch("/v1/devices/:device_id").handler(ctx ->
        respond(ctx, bus.call(RenameDevice.from(caller(ctx), ctx.pathParam("device_id"), body(ctx))), 200));
    router.delete("/v1/devices/:device_id").handler(ctx -> {
      String afterDrain = ctx.queryParams().get("after_drain");
      if (afterDrain != null && !afterDrain.equals("true") && !afterDrain.equals("false")) {
        HttpErrors.respond(ctx, Fields.invalid("after_drain", "must be true or false"));
        return;
      }
      if ("true".equals(afterDrain)) {
        bus.call(UnlinkAfterDrain.of(caller(ctx), ctx.pathParam("device_id")))
            .onSuccess(drain -> ctx.response().setStatusCode(drain.revoked() ? 200 : 202)
                .putHeader("content-type", "application/json").end(drain.toJson().encode()))
            .onFailure(failure -> HttpErrors.respond(ctx, failure));
        return;
      }
      respond(ctx, bus.call(RevokeDevice.of(caller(ctx), ctx.pathParam("device_id"))), 200);
    });

    router.route("/v1/conversations*").handler(this::requireClient);
    router.get("/v1/conversations").handler(ctx -> respond(ctx, bus.call(new ListConversations(caller(ctx))), 200));
    router.get("/v1/conversations/:conversation_id/members").handler(HttpApi::refuseLongPathIds).handler(ctx -> {
      JsonObject query = new JsonObject().put("after", ctx.queryParams().get("after"));
      String limit = ctx.queryParams().get("limit");
      if (limit != null) {
        query.put("limit", limit.matches("\\d{1,9}") ? (Object) Long.parseLong(limit) : limit);
      }
      respond(ctx, bus.call(new ListMembers(caller(ctx), ctx.pathParam("conversation_id"),
          Fields.optionalId(query, "after"), Fields.pageLimit(query, "limit", MEMBERS_PAGE, MEMBERS_PAGE))), 200);
    });

    router.route("/v1/server/*").handler(this::requireApiKey);
    router.route("/v1/server/users/:user_id/*").handler(HttpApi::refuseLongPathIds);
    router.route("/v1/server/conversations/:conversation_id/*").handler(HttpApi::refuseLongPathIds);
    router.get("/v1/server/plugins").handler(ctx -> respond(ctx, bus.call(new ListPlugins()), 200));
    router.get("/v1/server/users/:user_id/settings/:key").handler(this::getAccountSetting);
    router.put("/v1/server/users/:user_id/settings/:key").handler(ctx -> respond(ctx, bus.call(SetSetting.from(
        Caller.user(ctx.pathParam("user_id")), body(ctx).put("scope", "account").put("key", ctx.pathParam("key")))), 200));
    router.route("/v1/presence/*").handler(this::requireApiKey);
    router.get("/v1/presence/:user_id").handler(HttpApi::refuseLongPathIds).handler(this::presence);
    router.post("/v1/server/conversations").handler(ctx ->
        respond(ctx, bus.call(CreateConversation.from(Caller.server(), body(ctx))), 201));
    router.post("/v1/server/conversations/:conversation_id/members").handler(ctx ->
        respond(ctx, bus.call(AddMember.many(Caller.server(), ctx.pathParam("conversation_id"), body(ctx))), 200));
    router.post("/v1/server/conversations/:conversation_id/members/:user_id").handler(ctx ->
        respond(ctx, bus.call(AddMember.from(Caller.server(), membership(ctx))), 200));
    router.delete("/v1/server/conversations/:conversation_id/members/:user_id").handler(ctx ->
        respond(ctx, bus.call(RemoveMember.from(Caller.server(), membership(ctx))), 200));
  }

  private void mintToken(RoutingContext ctx) {
    JsonObject body = body(ctx);
    String userId = Fields.requiredId(body, "user_id");
    ctx.json(new JsonObject().put("user_id", userId).put("token", auth.mint(userId, DEV_TOKEN_SECONDS))
        .put("expires_in", DEV_TOKEN_SECONDS));
  }

  private void requireClient(RoutingContext ctx) {
    String token = bearer(ctx);
    if (token == null) {
      HttpErrors.respond(ctx, new LockstepException(ErrorCode.UNAUTHORIZED, "send Authorization: Bearer <client token>"));
      return;
    }
    auth.userId(token).onSuccess(user -> {
      ctx.put(USER, user);
      ctx.next();
    }).onFailure(failure -> HttpErrors.respond(ctx, failure));
  }

  private void requireApiKey(RoutingContext ctx) {
    String key = bearer(ctx);
    if (key == null || !MessageDigest.isEqual(apiKey, key.getBytes(StandardCharsets.UTF_8))) {
      HttpErrors.respond(ctx, new LockstepException(ErrorCode.UNAUTHORIZED, "send Authorization: Bearer <API key>"));
      return;
    }
    ctx.next();
  }

  /** The user the client token named (requireClient ran first). */
  private static Caller caller(RoutingContext ctx) {
    return Caller.user(ctx.get(USER));
  }

  /** One account setting of a user: {key, value, version, hlc, device_id}; version 0 means never written. */
  private void getAccountSetting(RoutingContext ctx) {
    String key = ctx.pathParam("key");
    respondJson(ctx, bus.call(new GetSettings(Caller.user(ctx.pathParam("user_id")), List.of(key))).map(reply -> {
      JsonObject settings = reply.settings();
      JsonObject stored = settings.getJsonObject("account").getJsonObject(key);
      JsonObject answer = stored != null ? stored.copy()
          : new JsonObject().put("value", settings.getJsonObject("effective").getValue(key)).put("version", 0);
      return answer.put("key", key);
    }), 200);
  }

  /** Per-device presence of a user: {user_id, online, devices: [{device_id, name, platform, online, presence}]}. */
  private void presence(RoutingContext ctx) {
    String userId = ctx.pathParam("user_id");
    respondJson(ctx, bus.call(new ListDevices(Caller.user(userId))).map(listed -> new JsonObject().put("user_id", userId)
        .put("online", listed.anyOnline()).put("devices", listed.toJsonArray())), 200);
  }

  private static JsonObject membership(RoutingContext ctx) {
    return new JsonObject().put("conversation_id", ctx.pathParam("conversation_id"))
        .put("user_id", ctx.pathParam("user_id"));
  }

  private static void respond(RoutingContext ctx, Future<? extends BusReply> result, int status) {
    respondJson(ctx, result.map(BusReply::toJson), status);
  }

  private static void respondJson(RoutingContext ctx, Future<JsonObject> result, int status) {
    result.onSuccess(body -> ctx.response().setStatusCode(status).putHeader("content-type", "application/json")
            .end(body.encode()))
        .onFailure(failure -> HttpErrors.respond(ctx, failure));
  }

  /**
   * The JSON object body; an empty body reads as {}. Malformed JSON fails with bad_frame, a value the
   * database cannot store with invalid_field naming it.
   */
  public static JsonObject body(RoutingContext ctx) {
    String text = ctx.body().asString();
    if (text == null || text.isBlank()) {
      return new JsonObject();
    }
    JsonObject body;
    try {
      body = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      throw new LockstepException(ErrorCode.BAD_FRAME, "the request body must be one JSON object");
    }
    String unstorable = Storable.problem(body);
    if (unstorable != null) {
      throw Fields.invalid(unstorable, "holds what cannot be stored (a NUL character, a lone surrogate or a non-finite number)");
    }
    return body;
  }

  /** Path segments and query values are ids and keys: one that cannot be stored is refused before any route runs. */
  public static void refuseUnstorablePath(RoutingContext ctx) {
    if (Storable.problem(QueryStringDecoder.decodeComponent(ctx.request().path())) != null) {
      HttpErrors.respond(ctx, Fields.invalid("path", "holds what cannot be stored (a NUL character or a lone surrogate)"));
      return;
    }
    for (var parameter : ctx.queryParams()) {
      if (Storable.problem(parameter.getValue()) != null || Storable.problem(parameter.getKey()) != null) {
        HttpErrors.respond(ctx, Fields.invalid(parameter.getKey(), "holds what cannot be stored (a NUL character or a lone surrogate)"));
        return;
      }
    }
    ctx.next();
  }

  /** Ids in the path are held to the same length as ids in a body. */
  private static void refuseLongPathIds(RoutingContext ctx) {
    for (var parameter : ctx.pathParams().entrySet()) {
      if (parameter.getValue().length() > Fields.MAX_ID_LENGTH) {
        HttpErrors.respond(ctx, Fields.invalid(parameter.getKey(), "must be at most " + Fields.MAX_ID_LENGTH + " characters"));
        return;
      }
    }
    ctx.next();
  }

  private static String bearer(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String value = header.substring(7).trim();
    return value.isEmpty() ? null : value;
  }
}
