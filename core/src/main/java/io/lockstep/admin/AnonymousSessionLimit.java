package io.lockstep.admin;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Session;
import io.vertx.ext.web.sstore.SessionStore;

import java.time.Duration;

/**
 * Bounds the console sessions of visitors who have not signed in. Every console request without a
 * session cookie creates one (it carries the CSRF token for the sign-in), so a loop of anonymous
 * requests would otherwise fill the session store for the whole session timeout. This store keeps the
 * node's newest {@code limit} anonymous sessions, each for at most {@link #SIGN_IN_WINDOW}, and
 * deletes the others from the real store (local or clustered); a session that signs in leaves the
 * bound and lives by the configured timeout.
 */
final class AnonymousSessionLimit implements SessionStore {

  /** How long a visitor has from opening the console to signing in. */
  static final Duration SIGN_IN_WINDOW = Duration.ofMinutes(10);

  private final SessionStore store;
  private final String signedInKey;
  private final Cache<String, Boolean> anonymous;

  AnonymousSessionLimit(SessionStore store, String signedInKey, int limit) {
    this.store = store;
    this.signedInKey = signedInKey;
    this.anonymous = Caffeine.newBuilder()
        .maximumSize(limit)
        .expireAfterWrite(SIGN_IN_WINDOW)
        .executor(Runnable::run)
        .<String, Boolean>removalListener((id, value, cause) -> {
          if (cause.wasEvicted() && id != null) {
            store.delete(id);
          }
        })
        .build();
  }

  @Override
  public Future<Void> put(Session session) {
    if (session.get(signedInKey) == null) {
      anonymous.put(session.id(), Boolean.TRUE);
    } else {
      anonymous.invalidate(session.id());
    }
    return store.put(session);
  }

  @Override
  public Future<Void> delete(String id) {
    anonymous.invalidate(id);
    return store.delete(id);
  }

  @Override
  public SessionStore init(Vertx vertx, JsonObject options) {
    store.init(vertx, options);
    return this;
  }

  @Override
  public long retryTimeout() {
    return store.retryTimeout();
  }

  @Override
  public Session createSession(long timeout) {
    return store.createSession(timeout);
  }

  @Override
  public Session createSession(long timeout, int length) {
    return store.createSession(timeout, length);
  }

  @Override
  public Future<Session> get(String id) {
    return store.get(id);
  }

  @Override
  public Future<Void> clear() {
    anonymous.invalidateAll();
    return store.clear();
  }

  @Override
  public Future<Integer> size() {
    return store.size();
  }

  @Override
  public void close() {
    store.close();
  }
}
