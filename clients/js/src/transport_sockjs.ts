/**
 * The SockJS transport, for networks where WebSocket cannot connect. sockjs-client is never
 * bundled: pass its constructor as the `SockJS` option, or load it as a script (globalThis.SockJS).
 * SockJS ends every session with its own close code, so the server sends the real one first as a
 * frame, {"type":"close","code":…}; this transport reports that code.
 */

import type { OpenTransport } from './transport.js';
import type { SockJSConstructor } from './types.js';
import { sockJsUrl } from './url.js';

export function sockJsConstructor(given?: SockJSConstructor): SockJSConstructor | undefined {
  return given ?? (globalThis as { SockJS?: SockJSConstructor }).SockJS;
}

export function sockJsTransport(given?: SockJSConstructor): OpenTransport {
  return async (baseUrl, handlers) => {
    const SockJS = sockJsConstructor(given);
    if (!SockJS) throw new Error('no SockJS: pass sockjs-client as the SockJS option');
    const socket = new SockJS(sockJsUrl(baseUrl), undefined, { transports: ['websocket', 'xhr-streaming', 'xhr-polling'] });
    let opened = false;
    let closeFrame: { code: number; reason: string } | undefined;
    let ended = false;
    socket.onopen = () => {
      opened = true;
      handlers.onOpen();
    };
    socket.onmessage = (event) => {
      const text = String(event.data);
      if (text.startsWith('{"type":"close"')) {
        const frame = JSON.parse(text) as { code: number; reason?: string };
        closeFrame = { code: frame.code, reason: frame.reason ?? '' };
        return;
      }
      handlers.onText(text);
    };
    socket.onerror = () => undefined;
    socket.onclose = (event) => {
      if (ended) return;
      ended = true;
      const code = closeFrame?.code ?? (event.code === 3000 || event.code === 1000 ? 1000 : event.code);
      handlers.onClose({ code: opened ? code : 1006, reason: closeFrame?.reason ?? event.reason, opened });
    };
    return {
      kind: 'sockjs',
      send: (text) => socket.send(text),
      close: (code = 1000, reason = '') => socket.close(code >= 3000 && code < 5000 ? code : 1000, reason),
    };
  };
}
