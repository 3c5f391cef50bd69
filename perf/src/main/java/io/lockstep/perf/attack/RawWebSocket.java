package io.lockstep.perf.attack;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket client over a plain blocking socket, for what a client library will not do: frames
 * with RSV1 set (compressed) whether or not compression was negotiated, and a socket that stops
 * reading. It makes the opening handshake (RFC 6455 §4.1), writes masked frames, and reads frames
 * only when its caller asks.
 */
final class RawWebSocket implements AutoCloseable {

  static final int TEXT = 0x1;
  static final int CLOSE = 0x8;
  private static final int MAX_HEADER_BYTES = 16 * 1024;

  /** A frame from the server: its opcode and (unmasked) payload. */
  record Frame(int opcode, byte[] payload) {
    String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }

    /** The status code of a close frame (1005, "none given", when it has none). */
    int closeCode() {
      return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final int status;
  private final String headers;

  private RawWebSocket(Socket socket, int status, String headers) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
    this.status = status;
    this.headers = headers;
  }

  /**
   * Connects from the local address to the server on 127.0.0.1 and asks to upgrade /v1/ws, offering
   * the extensions header when it is not null. receiveBuffer &gt; 0 sets the socket's receive buffer
   * before connecting (so the TCP window stays that small). The answer's status may be anything: see
   * {@link #upgraded()}.
   */
  static RawWebSocket open(String localAddress, int port, String extensions, int receiveBuffer) throws IOException {
    Socket socket = new Socket();
    try {
      if (receiveBuffer > 0) {
        socket.setReceiveBufferSize(receiveBuffer);
      }
      socket.setTcpNoDelay(true);
      socket.bind(new InetSocketAddress(localAddress, 0));
      socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
      socket.setSoTimeout(10_000);
      byte[] key = new byte[16];
      ThreadLocalRandom.current().nextBytes(key);
      String request = "GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(key) + "\r\nSec-WebSocket-Version: 13\r\n"
          + (extensions == null ? "" : "Sec-WebSocket-Extensions: " + extensions + "\r\n") + "\r\n";
      socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      String headers = readHeaders(socket.getInputStream());
      String statusLine = headers.substring(0, Math.max(0, headers.indexOf("\r\n")));
      String[] parts = statusLine.split(" ");
      int status = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
      return new RawWebSocket(socket, status, headers);
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw e;
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
      matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
      if (header.size() > MAX_HEADER_BYTES) {
        throw new IOException("handshake answer too long");
      }
    }
    return header.toString(StandardCharsets.ISO_8859_1);
  }

  /** The HTTP status of the handshake's answer (101 when upgraded). */
  int status() {
    return status;
  }

  boolean upgraded() {
    return status == 101;
  }

  /** A header of the handshake's answer, or null. */
  String header(String name) {
    for (String line : headers.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
        return line.substring(colon + 1).trim();
      }
    }
    return null;
  }

  boolean offersExtension(String extension) {
    String accepted = header("Sec-WebSocket-Extensions");
    return accepted != null && accepted.toLowerCase(Locale.ROOT).contains(extension);
  }

  void setReadTimeout(int millis) throws IOException {
    socket.setSoTimeout(millis);
  }

  void writeText(String text) throws IOException {
    writeFrame(TEXT, false, text.getBytes(StandardCharsets.UTF_8));
  }

  /** One final frame, masked as a client's must be; rsv1 marks it compressed (permessage-deflate). */
  void writeFrame(int opcode, boolean rsv1, byte[] payload) throws IOException {
    ByteArrayOutputStream header = new ByteArrayOutputStream(14);
    header.write(0x80 | (rsv1 ? 0x40 : 0) | opcode);
    if (payload.length < 126) {
      header.write(0x80 | payload.length);
    } else if (payload.length <= 0xffff) {
      header.write(0x80 | 126);
      header.write(payload.length >>> 8);
      header.write(payload.length & 0xff);
    } else {
      header.write(0x80 | 127);
      for (int shift = 56; shift >= 0; shift -= 8) {
        header.write((int) (((long) payload.length >>> shift) & 0xff));
      }
    }
    byte[] mask = new byte[4];
    ThreadLocalRandom.current().nextBytes(mask);
    header.write(mask, 0, 4);
    byte[] masked = new byte[payload.length];
    for (int i = 0; i < payload.length; i++) {
      masked[i] = (byte) (payload[i] ^ mask[i & 3]);
    }
    out.write(header.toByteArray());
    out.write(masked);
    out.flush();
  }

  /** Reads the next frame (blocking up to the read timeout); fragments are returned as they come. */
  Frame readFrame() throws IOException {
    int first = readByte();
    int second = readByte();
    long length = second & 0x7f;
    if (length == 126) {
      length = ((long) readByte() << 8) | readByte();
    } else if (length == 127) {
      length = 0;
      for (int i = 0; i < 8; i++) {
        length = (length << 8) | readByte();
      }
    }
    if (length > 64L * 1024 * 1024) {
      throw new IOException("frame of " + length + " bytes");
    }
    byte[] mask = (second & 0x80) != 0 ? in.readNBytes(4) : null;
    byte[] payload = in.readNBytes((int) length);
    if (payload.length < length) {
      throw new EOFException("the server closed in the middle of a frame");
    }
    if (mask != null) {
      for (int i = 0; i < payload.length; i++) {
        payload[i] ^= mask[i & 3];
      }
    }
    return new Frame(first & 0x0f, payload);
  }

  private int readByte() throws IOException {
    int b = in.read();
    if (b < 0) {
      throw new EOFException("the server closed the connection");
    }
    return b;
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }
}
