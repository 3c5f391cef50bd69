package io.lockstep.client.raw;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

/**
 * A WebSocket client on a plain blocking socket, for what a well-behaved client will not do: frames
 * with RSV1 set whether or not compression was agreed, invalid UTF-8, fragments past the size
 * limit, a header announcing more bytes than follow, and a socket that stops reading. It makes the
 * opening handshake (RFC 6455 §4.1) whatever the answer, writes masked frames (§5.2) and reads a
 * frame only when its caller asks, so not calling {@link #readFrame} is how to stop reading.
 *
 * <p>Failures of the socket are thrown as {@link UncheckedIOException}; a read that times out as one
 * whose cause is a {@link SocketTimeoutException}.
 */
public final class RawWebSocket implements AutoCloseable {

  public static final int CONTINUATION = 0x0;
  public static final int TEXT = 0x1;
  public static final int BINARY = 0x2;
  public static final int CLOSE = 0x8;
  public static final int PING = 0x9;
  public static final int PONG = 0xA;
  /** What {@link #awaitClose} answers when the TCP connection ended without a close frame. */
  public static final int NO_CLOSE_FRAME = -1;

  private static final int MAX_HEADER_BYTES = 16 * 1024;
  private static final long MAX_FRAME_BYTES = 64L * 1024 * 1024;

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final int readTimeoutMillis;
  private final String handshakeResponse;
  private final int status;

  private RawWebSocket(Socket socket, int readTimeoutMillis, String handshakeResponse) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
    this.readTimeoutMillis = readTimeoutMillis;
    this.handshakeResponse = handshakeResponse;
    String statusLine = handshakeResponse.substring(0, Math.max(0, handshakeResponse.indexOf("\r\n")));
    String[] parts = statusLine.split(" ");
    this.status = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
  }

  /** Connects and asks to upgrade; the answer's status may be anything: see {@link #upgraded()}. */
  public static RawWebSocket connect(RawOptions options) {
    Socket socket = new Socket();
    try {
      if (options.receiveBuffer() > 0) {
        socket.setReceiveBufferSize(options.receiveBuffer());
      }
      socket.setTcpNoDelay(true);
      if (options.localAddress() != null) {
        socket.bind(new InetSocketAddress(options.localAddress(), 0));
      }
      socket.connect(new InetSocketAddress(options.host(), options.port()), (int) options.connectTimeout().toMillis());
      int readTimeout = (int) options.readTimeout().toMillis();
      socket.setSoTimeout(readTimeout);
      byte[] key = new byte[16];
      ThreadLocalRandom.current().nextBytes(key);
      String request = "GET " + options.path() + " HTTP/1.1\r\nHost: " + options.host() + ":" + options.port()
          + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + Base64.getEncoder().encodeToString(key)
          + "\r\nSec-WebSocket-Version: 13\r\n"
          + (options.extensions() == null ? "" : "Sec-WebSocket-Extensions: " + options.extensions() + "\r\n")
          + options.headers().entrySet().stream().map(h -> h.getKey() + ": " + h.getValue() + "\r\n").collect(Collectors.joining())
          + "\r\n";
      socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      return new RawWebSocket(socket, readTimeout, readHeaders(socket.getInputStream()));
    } catch (IOException e) {
      closeQuietly(socket);
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      closeQuietly(socket);
      throw e;
    }
  }

  /** The server's answer to the upgrade: status line and headers, each line ending in CRLF. */
  public String handshakeResponse() {
    return handshakeResponse;
  }

  /** The HTTP status of the answer to the upgrade (101 when upgraded). */
  public int status() {
    return status;
  }

  public boolean upgraded() {
    return status == 101;
  }

  /** A header of the answer to the upgrade, or null. */
  public String header(String name) {
    for (String line : handshakeResponse.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
        return line.substring(colon + 1).trim();
      }
    }
    return null;
  }

  /** Whether the server agreed to the extension (e.g. {@code permessage-deflate}). */
  public boolean acceptsExtension(String extension) {
    String accepted = header("Sec-WebSocket-Extensions");
    return accepted != null && accepted.toLowerCase(Locale.ROOT).contains(extension.toLowerCase(Locale.ROOT));
  }

  /** The local port of this client's TCP connection. */
  public int localPort() {
    return socket.getLocalPort();
  }

  public void sendText(String text) {
    sendFrame(TEXT, true, false, text.getBytes(StandardCharsets.UTF_8));
  }

  /** Writes one masked frame; fin false starts or continues a fragmented message; rsv1 marks it compressed. */
  public void sendFrame(int opcode, boolean fin, boolean rsv1, byte[] payload) {
    ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
    frame.write((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode);
    writeLength(frame, payload.length);
    byte[] mask = new byte[4];
    ThreadLocalRandom.current().nextBytes(mask);
    frame.write(mask, 0, 4);
    for (int i = 0; i < payload.length; i++) {
      frame.write(payload[i] ^ mask[i & 3]);
    }
    write(frame.toByteArray());
  }

  /** Writes only the header of a masked final frame that announces this many payload bytes. */
  public void announceFrame(int opcode, long length) {
    ByteArrayOutputStream header = new ByteArrayOutputStream(14);
    header.write(0x80 | opcode);
    writeLength(header, length);
    header.write(new byte[4], 0, 4);
    write(header.toByteArray());
  }

  /** Writes bytes as they are, framed or not. */
  public void sendBytes(byte[] bytes) {
    write(bytes);
  }

  /** The next frame, waiting up to the read timeout; null when the server ended the TCP connection before one. */
  public Frame readFrame() {
    return readFrame(Duration.ofMillis(readTimeoutMillis));
  }

  /** The next frame within the time; null when the server ended the TCP connection before one. */
  public Frame readFrame(Duration within) {
    try {
      socket.setSoTimeout((int) Math.max(1, within.toMillis()));
      int first = in.read();
      if (first < 0) {
        return null;
      }
      int second = readByte();
      long length = second & 0x7f;
      if (length == 126) {
        length = (long) readByte() << 8 | readByte();
      } else if (length == 127) {
        length = 0;
        for (int i = 0; i < 8; i++) {
          length = length << 8 | readByte();
        }
      }
      if (length > MAX_FRAME_BYTES) {
        throw new IOException("the server announced a frame of " + length + " bytes");
      }
      byte[] mask = (second & 0x80) != 0 ? in.readNBytes(4) : null;
      byte[] payload = in.readNBytes((int) length);
      if (payload.length < length) {
        throw new EOFException("the server closed within a frame: " + payload.length + " of " + length + " bytes");
      }
      if (mask != null) {
        for (int i = 0; i < payload.length; i++) {
          payload[i] ^= mask[i & 3];
        }
      }
      return new Frame(first & 0x0f, (first & 0x80) != 0, (first & 0x40) != 0, payload);
    } catch (SocketTimeoutException e) {
      throw new UncheckedIOException(new SocketTimeoutException("no frame from the server within " + within));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The next frame within the time, or null when none came (or the connection ended). */
  public Frame pollFrame(Duration within) {
    try {
      return readFrame(within);
    } catch (UncheckedIOException e) {
      return null;
    }
  }

  /**
   * Reads until the server's close frame and answers its code, or {@link #NO_CLOSE_FRAME} if the TCP
   * connection ended without one; throws if neither happened within the time. Adds the payload bytes
   * of the other frames read on the way to {@code otherBytes[0]} when it is not null.
   */
  public int awaitClose(Duration within, long[] otherBytes) {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new UncheckedIOException(new SocketTimeoutException("the server did not close within " + within));
      }
      Frame frame;
      try {
        frame = readFrame(Duration.ofNanos(left));
      } catch (UncheckedIOException e) {
        if (e.getCause() instanceof SocketTimeoutException) {
          throw e;
        }
        return NO_CLOSE_FRAME;
      }
      if (frame == null) {
        return NO_CLOSE_FRAME;
      }
      if (frame.isClose()) {
        return frame.closeCode();
      }
      if (otherBytes != null) {
        otherBytes[0] += frame.payload().length;
      }
    }
  }

  @Override
  public void close() {
    closeQuietly(socket);
  }

  private void write(byte[] bytes) {
    try {
      out.write(bytes);
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private int readByte() throws IOException {
    int b = in.read();
    if (b < 0) {
      throw new EOFException("the server closed the connection within a frame header");
    }
    return b;
  }

  private static void writeLength(ByteArrayOutputStream frame, long length) {
    if (length < 126) {
      frame.write(0x80 | (int) length);
    } else if (length < 65536) {
      frame.write(0x80 | 126);
      frame.write((int) (length >>> 8));
      frame.write((int) (length & 0xff));
    } else {
      frame.write(0x80 | 127);
      for (int shift = 56; shift >= 0; shift -= 8) {
        frame.write((int) (length >>> shift) & 0xff);
      }
    }
  }

  private static String readHeaders(InputStream in) throws IOException {
    ByteArrayOutputStream header = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("the server closed during the handshake");
      }
      header.write(b);
      matched = b == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : (b == '\r' ? 1 : 0);
      if (header.size() > MAX_HEADER_BYTES) {
        throw new IOException("the answer to the upgrade has more than " + MAX_HEADER_BYTES + " bytes of headers");
      }
    }
    return header.toString(StandardCharsets.ISO_8859_1);
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }
}
