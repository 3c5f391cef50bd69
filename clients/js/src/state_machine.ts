/**
 * The connection's state machine: which input moves which state where. Pure; the client feeds it
 * what happened and acts on the state it answers. An input a state does not accept changes nothing.
 */

import type { ConnectionState, OfflineReason } from './types.js';

export type ConnectionInput =
  | 'connect' | 'welcome' | 'synced' | 'lost' | 'disconnect' | 'replaced' | 'unauthorized' | 'revoked' | 'stop';

const TRANSITIONS: Record<ConnectionState, Partial<Record<ConnectionInput, ConnectionState>>> = {
  offline: { connect: 'connecting', disconnect: 'offline', unauthorized: 'unauthorized', revoked: 'revoked', stop: 'stopped' },
  connecting: {
    welcome: 'syncing', lost: 'offline', disconnect: 'offline', replaced: 'offline',
    unauthorized: 'unauthorized', revoked: 'revoked', stop: 'stopped',
  },
  syncing: {
    synced: 'live', lost: 'offline', disconnect: 'offline', replaced: 'offline',
    unauthorized: 'unauthorized', revoked: 'revoked', stop: 'stopped',
  },
  live: {
    synced: 'live', lost: 'offline', disconnect: 'offline', replaced: 'offline',
    unauthorized: 'unauthorized', revoked: 'revoked', stop: 'stopped',
  },
  unauthorized: { connect: 'connecting', stop: 'stopped', revoked: 'revoked' },
  revoked: { stop: 'stopped' },
  stopped: { connect: 'connecting' },
};

const REASONS: Partial<Record<ConnectionInput, OfflineReason>> = {
  lost: 'network', disconnect: 'disconnected', replaced: 'replaced', stop: 'stopped',
  unauthorized: 'unauthorized', revoked: 'revoked',
};

export interface Transition {
  state: ConnectionState;
  previous: ConnectionState;
  reason: OfflineReason;
  changed: boolean;
}

export function transition(current: ConnectionState, input: ConnectionInput): Transition {
  const next = TRANSITIONS[current][input];
  if (next === undefined) return { state: current, previous: current, reason: null, changed: false };
  return { state: next, previous: current, reason: REASONS[input] ?? null, changed: next !== current };
}

/** States in which the client keeps (or tries to get) a connection. */
export function wantsConnection(state: ConnectionState): boolean {
  return state === 'connecting' || state === 'syncing' || state === 'live';
}
