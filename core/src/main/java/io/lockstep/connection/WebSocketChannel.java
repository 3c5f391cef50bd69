package io.lockstep.connection;

import io.netty.handler.codec.compression.DecompressionException;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrame;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A raw WebSocket at /v1/ws: one JSON frame per text message. Assembles messages from their frames
 * itself so that the size limit holds for the message as the server sees it (after any inflation):
 * a message over it closes the connection with 1009, a text message that is not valid UTF-8 with 1007
 * (RFC 6455 §8.1), before either reaches the session.
 */
final class WebSocketChannel implements FrameChannel {

  static final int MESSAGE_TOO_BIG = 1009;
  static final int INVALID_PAYLOAD = 1007;
  /** How long a close frame may wait behind unread data before the TCP connection is dropped. */
  private static final long CLOSE_GRACE_MS = 5_000;

  private final Vertx vertx;
  private final ServerWebSocket socket;
  private final HttpConnection connection;
  private final String address;
  private final int maxMessageBytes;
  private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT)
      .onUnmappableCharacter(CodingErrorAction.REPORT);
  private Buffer partial;
  private boolean partialIsText;
  private boolean closing;

  WebSocketChannel(Vertx vertx, ServerWebSocket socket, HttpConnection connection, String address, int maxMessageBytes) {
    this.vertx = vertx;
    this.socket = socket;
    this.connection = connection;
    this.address = address;
    this.maxMessageBytes = maxMessageBytes;
  }

  @Override
  public void start(DeviceSession session) {
    socket.frameHandler(frame -> onFrame(frame, session));
    socket.closeHandler(v -> session.closed());
    socket.exceptionHandler(failure -> {
      if (failure instanceof DecompressionException) {
        close(MESSAGE_TOO_BIG, "message too big: it inflates beyond " + maxMessageBytes + " bytes");
      } else if (failure instanceof CorruptedWebSocketFrameException corrupted) {
        close(corrupted.closeStatus().code(), corrupted.closeStatus().reasonText());
      }
    });
  }

  private void onFrame(WebSocketFrame frame, DeviceSession session) {
    if (closing || !(frame.isText() || frame.isBinary() || frame.isContinuation())) {
      return;
    }
    if (!frame.isContinuation()) {
      partial = null;
      partialIsText = frame.isText();
    }
    Buffer data = frame.binaryData();
    int size = (partial == null ? 0 : partial.length()) + data.length();
    if (size > maxMessageBytes) {
      partial = null;
      close(MESSAGE_TOO_BIG, "message too big: messages are limited to " + maxMessageBytes + " bytes");
      return;
    }
    if (!frame.isFinal()) {
      partial = partial == null ? Buffer.buffer(data.length() * 2).appendBuffer(data) : partial.appendBuffer(data);
      return;
    }
    Buffer message = partial == null ? data : partial.appendBuffer(data);
    partial = null;
    if (!partialIsText) {
      session.onBinary();
      return;
    }
    String text;
    try {
      text = utf8.decode(ByteBuffer.wrap(message.getBytes())).toString();
    } catch (CharacterCodingException e) {
      close(INVALID_PAYLOAD, "a text message must be valid UTF-8");
      return;
    }
    session.onText(text);
  }

  @Override
  public Future<Void> write(String frame) {
    return socket.writeTextMessage(frame);
  }

  @Override
  public void pause() {
    socket.pause();
  }

  @Override
  public void resume() {
    socket.resume();
  }

  /**
   * Sends the close frame; if the client has not completed the closing handshake within a grace period
   * (the frame may be stuck behind data a slow client never reads), the TCP connection is dropped, so
   * that a closed session holds no socket and no buffers.
   */
  @Override
  public void close(int code, String reason) {
    if (closing) {
      return;
    }
    closing = true;
    socket.close((short) code, reason);
    vertx.setTimer(CLOSE_GRACE_MS, id -> connection.close());
  }

  @Override
  public String transport() {
    return "websocket";
  }

  @Override
  public String remoteAddress() {
    return address;
  }
}
