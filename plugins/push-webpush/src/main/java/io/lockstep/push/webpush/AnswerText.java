package io.lockstep.push.webpush;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;
import io.vertx.ext.web.codec.BodyCodec;
import io.vertx.ext.web.codec.spi.BodyStream;

import java.nio.charset.StandardCharsets;

/**
 * Reads a push service's answer body as text for a reply's detail, keeping only its first
 * {@value #LIMIT} bytes and dropping the rest as it arrives: the endpoint was chosen by a client, so
 * the answer may come from any server and be of any size.
 */
final class AnswerText implements BodyStream<String> {

  static final int LIMIT = 300;

  static final BodyCodec<String> CODEC = AnswerText::new;

  private final Buffer head = Buffer.buffer();
  private final Promise<String> text = Promise.promise();

  @Override
  public Future<String> result() {
    return text.future();
  }

  @Override
  public void handle(Throwable failure) {
    text.tryFail(failure);
  }

  @Override
  public Future<Void> write(Buffer data) {
    int room = LIMIT - head.length();
    if (room > 0) {
      head.appendBuffer(data, 0, Math.min(room, data.length()));
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> end() {
    text.tryComplete(head.toString(StandardCharsets.UTF_8));
    return Future.succeededFuture();
  }

  @Override
  public WriteStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    return this;
  }

  @Override
  public WriteStream<Buffer> setWriteQueueMaxSize(int maxSize) {
    return this;
  }

  @Override
  public boolean writeQueueFull() {
    return false;
  }

  @Override
  public WriteStream<Buffer> drainHandler(Handler<Void> handler) {
    return this;
  }
}
