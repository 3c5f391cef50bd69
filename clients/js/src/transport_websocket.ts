/**
 * The WebSocket transport: the given constructor, the global WebSocket (browsers, React Native,
 * Node 22+), or on Node 20 the small built-in client, loaded only there.
 */

import type { OpenTransport, Transport, TransportHandlers } from './transport.js';
import type { WebSocketConstructor, WebSocketLike } from './types.js';
import { webSocketUrl } from './url.js';

export function webSocketTransport(given?: WebSocketConstructor): OpenTransport {
  return async (baseUrl, handlers) => {
    const Socket = given ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket
      ?? (await import('./node_websocket.js')).NodeWebSocket;
    return wrap(new Socket(webSocketUrl(baseUrl)), handlers);
  };
}

function wrap(socket: WebSocketLike, handlers: TransportHandlers): Transport {
  let opened = false;
  let ended = false;
  socket.onopen = () => {
    opened = true;
    handlers.onOpen();
  };
  socket.onmessage = (event) => {
    if (typeof event.data === 'string') handlers.onText(event.data);
  };
  socket.onerror = () => undefined;
  socket.onclose = (event) => {
    if (ended) return;
    ended = true;
    const retryAfterMs = (socket as { retryAfterMs?: number }).retryAfterMs;
    handlers.onClose({ code: event.code, reason: event.reason, opened, retryAfterMs });
  };
  return {
    kind: 'websocket',
    send: (text) => socket.send(text),
    close: (code = 1000, reason = '') => {
      try {
        socket.close(code, reason);
      } catch {
        socket.close();
      }
    },
  };
}
