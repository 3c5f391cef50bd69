/**
 * What to do when a connection ends: decided from the close code and the last error frame the
 * server sent before closing (4001 and 4003 carry the reason there). Pure.
 */

import { CloseCode, ErrorCode } from './codes.js';

export type CloseAction =
  /** Reconnect after a backoff delay, resuming from the cursor. */
  | 'reconnect'
  /** Ask getToken() for a fresh token, then reconnect. */
  | 'refresh_token'
  /** The device is gone on the server (unknown, or another user's): wipe and register anew. */
  | 'reregister'
  /** The device was revoked: wipe the store and stay revoked. */
  | 'revoked'
  /** Another socket of this device took over: go offline without reconnecting. */
  | 'replaced'
  /** A client bug (message too big, invalid UTF-8): report it, then reconnect with backoff. */
  | 'client_bug';

export function decideOnClose(code: number, lastError: string | null): CloseAction {
  switch (code) {
    case CloseCode.authFailed:
      return 'refresh_token';
    case CloseCode.deviceRefused:
      return lastError === ErrorCode.deviceUnknown || lastError === ErrorCode.deviceNotOwned ? 'reregister' : 'revoked';
    case CloseCode.replaced:
      return 'replaced';
    case CloseCode.invalidPayload:
    case CloseCode.messageTooBig:
      return 'client_bug';
    default:
      return 'reconnect';
  }
}
