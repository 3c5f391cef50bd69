package io.lockstep.test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * A WebSocket client on a plain socket, for what a well-behaved client library will not send:
 * compressed frames the server did not agree to, invalid UTF-8, fragments past the size limit, and
 * a socket that never reads. Frames are written by hand (RFC 6455 §5.2, masked as a client must).
 */
public final class RawWebSocket implements AutoCloseable {

  public static final int TEXT = 0x1;
  public static final int CONTINUATION = 0x0;

  private final Socket socket;
  private final OutputStream out;
  private final InputStream in;
  private final String handshakeResponse;
  private final SecureRandom random = new SecureRandom();

  private RawWebSocket(Socket socket, String handshakeResponse) throws IOException {
    this.socket = socket;
    this.out = socket.getOutputStream();
    this.in = socket.getInputStream();
    this.handshakeResponse = handshakeResponse;
  }

  /** Connects and upgrades; extensions is the Sec-WebSocket-Extensions offer, or null. */
  public static RawWebSocket connect(int port, String extensions) {
    return connect("127.0.0.1", port, extensions);
  }

  /** As {@link #connect(int, String)}, from the given local address (any of 127/8 reaches this machine). */
  public static RawWebSocket connect(String localAddress, int port, String extensions) {
    return connect(localAddress, port, "/v1/ws", extensions);
  }

  /** As {@link #connect(String, int, String)}, to another path (a SockJS session's websocket transport). */
  public static RawWebSocket connect(String localAddress, int port, String path, String extensions) {
    try {
      Socket socket = new Socket();
      socket.bind(new InetSocketAddress(localAddress, 0));
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      socket.setSoTimeout(10_000);
      String key = Base64.getEncoder().encodeToString(new byte[16]);
      String request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n"
          + (extensions == null ? "" : "Sec-WebSocket-Extensions: " + extensions + "\r\n") + "\r\n";
      socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      return new RawWebSocket(socket, readHeaders(socket.getInputStream()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The local port of this client's TCP connection. */
  public int localPort() {
    return socket.getLocalPort();
  }

  /** The server's answer to the upgrade: status line and headers. */
  public String handshakeResponse() {
    return handshakeResponse;
  }

  public void sendText(String text) {
    sendFrame(TEXT, true, false, text.getBytes(StandardCharsets.UTF_8));
  }

  /** Writes only the header of a masked, final frame that announces this many payload bytes. */
  public void announceFrame(int opcode, long length) {
    try {
      ByteArrayOutputStream header = new ByteArrayOutputStream(14);
      header.write(0x80 | opcode);
      header.write(0x80 | 127);
      for (int shift = 56; shift >= 0; shift -= 8) {
        header.write((int) (length >>> shift) & 0xff);
      }
      header.write(new byte[4]);
      out.write(header.toByteArray());
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes one masked frame; rsv1 marks it compressed (permessage-deflate). */
  public void sendFrame(int opcode, boolean fin, boolean rsv1, byte[] payload) {
    try {
      ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
      frame.write((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode);
      if (payload.length < 126) {
        frame.write(0x80 | payload.length);
      } else if (payload.length < 65536) {
        frame.write(0x80 | 126);
        frame.write(payload.length >>> 8);
        frame.write(payload.length & 0xff);
      } else {
        frame.write(0x80 | 127);
        for (int shift = 56; shift >= 0; shift -= 8) {
          frame.write((int) ((long) payload.length >>> shift) & 0xff);
        }
      }
      byte[] mask = new byte[4];
      random.nextBytes(mask);
      frame.write(mask);
      byte[] masked = new byte[payload.length];
      for (int i = 0; i < payload.length; i++) {
        masked[i] = (byte) (payload[i] ^ mask[i & 3]);
      }
      frame.write(masked);
      out.write(frame.toByteArray());
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One frame from the server (unmasked, as servers send them); compressed: RSV1 was set. */
  public record Frame(int opcode, boolean compressed, byte[] payload) {
    /** The text of a text frame, inflated first if it was compressed (permessage-deflate). */
    public String text() {
      return new String(compressed ? inflate(payload) : payload, StandardCharsets.UTF_8);
    }

    /** The status code of a close frame, or -1 when it carries none. */
    public int closeCode() {
      return payload.length >= 2 ? (payload[0] & 0xff) << 8 | payload[1] & 0xff : -1;
    }
  }

  /** The next frame within the time, or null when none came. */
  public Frame pollFrame(Duration within) {
    try {
      return readFrame(within);
    } catch (AssertionError e) {
      return null;
    }
  }

  /** The next frame, or null when the server closed the TCP connection without one. */
  public Frame readFrame(Duration within) {
    try {
      socket.setSoTimeout((int) within.toMillis());
      int first = in.read();
      if (first < 0) {
        return null;
      }
      int second = in.read();
      long length = second & 0x7f;
      if (length == 126) {
        length = (in.read() << 8) | in.read();
      } else if (length == 127) {
        length = 0;
        for (int i = 0; i < 8; i++) {
          length = length << 8 | in.read();
        }
      }
      byte[] payload = new byte[(int) length];
      int got = 0;
      try {
        while (got < length) {
          int n = in.read(payload, got, (int) length - got);
          if (n < 0) {
            return null;
          }
          got += n;
        }
      } catch (SocketTimeoutException e) {
        throw new AssertionError("the server stopped within a frame: " + got + " of " + length + " bytes");
      }
      return new Frame(first & 0x0f, (first & 0x40) != 0, payload);
    } catch (SocketTimeoutException e) {
      throw new AssertionError("no frame from the server within " + within);
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * Reads until the server's close frame and answers its code: -1 if the TCP connection ended with no
   * close frame. Counts the bytes of the text frames read on the way in {@code textBytes}.
   */
  public int awaitClose(Duration within, long[] textBytes) {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the server did not close within " + within);
      }
      Frame frame = readFrame(Duration.ofMillis(left));
      if (frame == null) {
        return -1;
      }
      if (frame.opcode() == 0x8) {
        return frame.closeCode();
      }
      if (textBytes != null) {
        textBytes[0] += frame.payload().length;
      }
    }
  }

  /** A message as permessage-deflate sends it: raw DEFLATE without the final empty block's tail. */
  public static byte[] deflate(byte[] message) {
    Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION, true);
    deflater.setInput(message);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] chunk = new byte[64 * 1024];
    int n;
    do {
      n = deflater.deflate(chunk, 0, chunk.length, Deflater.SYNC_FLUSH);
      out.write(chunk, 0, n);
    } while (n == chunk.length);
    deflater.end();
    byte[] all = out.toByteArray();
    return java.util.Arrays.copyOf(all, all.length - 4);
  }

  private static byte[] inflate(byte[] payload) {
    Inflater inflater = new Inflater(true);
    byte[] input = java.util.Arrays.copyOf(payload, payload.length + 4);
    input[payload.length + 2] = (byte) 0xff;
    input[payload.length + 3] = (byte) 0xff;
    inflater.setInput(input);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] chunk = new byte[64 * 1024];
    try {
      int n;
      while ((n = inflater.inflate(chunk)) > 0) {
        out.write(chunk, 0, n);
      }
    } catch (DataFormatException e) {
      throw new AssertionError("the server sent a compressed frame that does not inflate", e);
    } finally {
      inflater.end();
    }
    return out.toByteArray();
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  private static String readHeaders(InputStream in) throws IOException {
    ByteArrayOutputStream headers = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      headers.write(b);
      matched = (b == '\r' || b == '\n') ? matched + 1 : 0;
    }
    return headers.toString(StandardCharsets.US_ASCII);
  }
}
