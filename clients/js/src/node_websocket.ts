/**
 * A minimal RFC 6455 WebSocket client for Node 20, which has no global WebSocket: text frames,
 * fragmentation, ping/pong and the close handshake. Unlike a browser, it also reports the
 * Retry-After of a refused upgrade (HTTP 429) as `retryAfterMs`. Loaded only where it is used.
 */

import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const enum Opcode { Continuation = 0, Text = 1, Binary = 2, Close = 8, Ping = 9, Pong = 10 }

export class NodeWebSocket {
  readyState = 0;
  retryAfterMs: number | undefined;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;

  private socket: Socket | undefined;
  private buffer: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private closeSent = false;
  private closeEvent: { code: number; reason: string } | undefined;

  constructor(url: string) {
    const target = new URL(url);
    const key = randomBytes(16).toString('base64');
    const request = (target.protocol === 'wss:' ? httpsRequest : httpRequest)({
      host: target.hostname,
      port: target.port || (target.protocol === 'wss:' ? 443 : 80),
      path: target.pathname + target.search,
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Key': key, 'Sec-WebSocket-Version': '13' },
    });
    request.on('upgrade', (response: IncomingMessage, socket: Socket, head: Buffer) => {
      const expected = createHash('sha1').update(key + GUID).digest('base64');
      if (response.headers['sec-websocket-accept'] !== expected) {
        socket.destroy();
        this.finish(1006, 'bad handshake');
        return;
      }
      this.socket = socket;
      socket.setNoDelay(true);
      this.readyState = 1;
      socket.on('data', (chunk: Buffer) => this.receive(chunk));
      socket.on('close', () => this.finish(1006, ''));
      socket.on('error', () => undefined);
      this.onopen?.({});
      if (head.length > 0) this.receive(head);
    });
    request.on('response', (response: IncomingMessage) => {
      this.retryAfterMs = retryAfter(response.headers['retry-after']);
      response.resume();
      this.finish(1006, `HTTP ${response.statusCode}`);
    });
    request.on('error', (error) => {
      this.onerror?.(error);
      this.finish(1006, error.message);
    });
    request.end();
  }

  send(text: string): void {
    if (this.readyState !== 1) throw new Error('WebSocket is not open');
    this.write(Opcode.Text, Buffer.from(text, 'utf8'));
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState >= 2) return;
    if (!this.socket) {
      this.readyState = 3;
      return;
    }
    this.readyState = 2;
    this.closeEvent = { code, reason };
    this.sendClose(code, reason);
    setTimeout(() => this.socket?.destroy(), 1000).unref();
  }

  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const frame = parseFrame(this.buffer);
      if (!frame) return;
      this.buffer = this.buffer.subarray(frame.size);
      this.handle(frame.fin, frame.opcode, frame.payload);
    }
  }

  private handle(fin: boolean, opcode: number, payload: Buffer): void {
    switch (opcode) {
      case Opcode.Text:
      case Opcode.Binary:
      case Opcode.Continuation:
        this.fragments.push(payload);
        if (fin) {
          const data = Buffer.concat(this.fragments);
          this.fragments = [];
          this.onmessage?.({ data: data.toString('utf8') });
        }
        return;
      case Opcode.Ping:
        this.write(Opcode.Pong, payload);
        return;
      case Opcode.Close: {
        const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        const reason = payload.length > 2 ? payload.subarray(2).toString('utf8') : '';
        this.closeEvent ??= { code, reason };
        if (!this.closeSent) this.sendClose(code === 1005 ? 1000 : code, '');
        this.socket?.end();
        return;
      }
      default:
    }
  }

  private sendClose(code: number, reason: string): void {
    this.closeSent = true;
    const body = Buffer.alloc(2 + Buffer.byteLength(reason));
    body.writeUInt16BE(code, 0);
    body.write(reason, 2);
    this.write(Opcode.Close, body);
  }

  private write(opcode: number, payload: Buffer): void {
    const socket = this.socket;
    if (!socket || socket.destroyed) return;
    const mask = randomBytes(4);
    const length = payload.length;
    const header = length < 126 ? Buffer.alloc(6) : length < 65536 ? Buffer.alloc(8) : Buffer.alloc(14);
    header[0] = 0x80 | opcode;
    if (length < 126) {
      header[1] = 0x80 | length;
    } else if (length < 65536) {
      header[1] = 0x80 | 126;
      header.writeUInt16BE(length, 2);
    } else {
      header[1] = 0x80 | 127;
      header.writeBigUInt64BE(BigInt(length), 2);
    }
    mask.copy(header, header.length - 4);
    const masked = Buffer.alloc(length);
    for (let i = 0; i < length; i++) masked[i] = payload[i] ^ mask[i & 3];
    socket.write(Buffer.concat([header, masked]));
  }

  private finish(code: number, reason: string): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    const event = this.closeEvent ?? { code, reason };
    this.onclose?.(event);
  }
}

function parseFrame(buffer: Buffer): { fin: boolean; opcode: number; payload: Buffer; size: number } | undefined {
  if (buffer.length < 2) return undefined;
  const fin = (buffer[0] & 0x80) !== 0;
  const opcode = buffer[0] & 0x0f;
  const masked = (buffer[1] & 0x80) !== 0;
  let length = buffer[1] & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (buffer.length < 4) return undefined;
    length = buffer.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (buffer.length < 10) return undefined;
    length = Number(buffer.readBigUInt64BE(2));
    offset = 10;
  }
  const maskOffset = offset;
  if (masked) offset += 4;
  if (buffer.length < offset + length) return undefined;
  let payload = buffer.subarray(offset, offset + length);
  if (masked) {
    const mask = buffer.subarray(maskOffset, maskOffset + 4);
    payload = Buffer.from(payload.map((byte, i) => byte ^ mask[i & 3]));
  }
  return { fin, opcode, payload, size: offset + length };
}

function retryAfter(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
