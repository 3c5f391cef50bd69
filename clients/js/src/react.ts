/**
 * @lockstep/client/react: hooks over a client's local state. React is a peer dependency and is
 * never bundled; each hook re-renders only when its own value changes.
 */

import { createContext, createElement, useCallback, useContext, useRef, useSyncExternalStore, type ReactNode } from 'react';
import type { LockstepClient } from './client.js';
import type { ConnectionState, Conversation } from './types.js';

const ClientContext = createContext<LockstepClient | null>(null);

export function LockstepProvider(props: { client: LockstepClient; children?: ReactNode }): ReactNode {
  return createElement(ClientContext.Provider, { value: props.client }, props.children);
}

export function useLockstep(): LockstepClient {
  const client = useContext(ClientContext);
  if (!client) throw new Error('useLockstep needs a <LockstepProvider client={…}> above it');
  return client;
}

/** A value computed from the client, recomputed on every change and kept while it is equal. */
function useClientValue<T>(read: (client: LockstepClient) => T): T {
  const client = useLockstep();
  const cache = useRef<{ version: number; value: T; key: string } | null>(null);
  const subscribe = useCallback((notify: () => void) => {
    const offState = client.on('state', notify);
    const offChange = client.onChange(notify);
    return () => {
      offState();
      offChange();
    };
  }, [client]);
  const snapshot = () => {
    const version = client.version * 16 + stateIndex(client.state);
    if (cache.current && cache.current.version === version) return cache.current.value;
    const value = read(client);
    const key = JSON.stringify(value);
    if (cache.current && cache.current.key === key) {
      cache.current.version = version;
      return cache.current.value;
    }
    cache.current = { version, value, key };
    return value;
  };
  return useSyncExternalStore(subscribe, snapshot, snapshot);
}

const STATES: ConnectionState[] = ['connecting', 'syncing', 'live', 'offline', 'unauthorized', 'revoked', 'stopped'];
function stateIndex(state: ConnectionState): number {
  return STATES.indexOf(state);
}

export function useConversations(): Conversation[] {
  return useClientValue((client) => client.conversations());
}

export function useUnread(conversationId: string): number {
  return useClientValue((client) => client.unread(conversationId));
}

export function useBadge(): number {
  return useClientValue((client) => client.badge());
}

export function useConnectionState(): ConnectionState {
  return useClientValue((client) => client.state);
}

/** The effective value of a setting, and a setter (scope account unless told otherwise). */
export function useSetting<T = unknown>(key: string): [T, (value: T, options?: { scope?: 'account' | 'device' }) => Promise<unknown>] {
  const client = useLockstep();
  const value = useClientValue((c) => c.settings.get(key) as T);
  const set = useCallback((next: T, options?: { scope?: 'account' | 'device' }) => client.settings.set(key, next, options), [client, key]);
  return [value, set];
}
