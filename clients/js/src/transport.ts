/**
 * The one interface every transport implements: open a connection, carry JSON text frames both
 * ways, and report how it ended with the protocol's close code.
 */

export interface CloseInfo {
  code: number;
  reason: string;
  /** True when the connection had opened (false: it could not connect at all). */
  opened: boolean;
  /** A Retry-After the server answered the upgrade with (HTTP 429), where the transport can see it. */
  retryAfterMs?: number;
}

export interface TransportHandlers {
  onOpen(): void;
  onText(text: string): void;
  onClose(info: CloseInfo): void;
}

export interface Transport {
  readonly kind: 'websocket' | 'sockjs';
  send(text: string): void;
  close(code?: number, reason?: string): void;
}

export type OpenTransport = (baseUrl: string, handlers: TransportHandlers) => Promise<Transport>;
