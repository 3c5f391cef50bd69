/**
 * The state digest of docs/protocol.md ("State digest"): an order-independent sum over the read
 * state of every conversation that is not a stream and the version of every account setting, the
 * same the server stamps on read_state and settings events, snapshots and state replies. The items
 * are taken from the local state at once; hashing (WebCrypto SHA-256) is asynchronous and keeps
 * each item's hash for the next digest.
 */

import type { SyncState } from './sync_state.js';

const MASK = (1n << 64n) - 1n;

/**
 * The digest's items of the local state: what each describes (`read\n<conversation id>`,
 * `setting\n<key>`) to its values (`<read_up_to>\n<0|1>`, `<version>`). Values this device changed
 * ahead of its log (an optimistic read, a settings reply before its event) count as the log left them.
 */
export function digestItems(state: SyncState): Map<string, string> {
  const items = new Map<string, string>();
  for (const conversation of Object.values(state.conversations)) {
    const { readUpTo, markedUnread } = state.logValues.reads[conversation.id] ?? conversation;
    if (!conversation.stream && (readUpTo > 0 || markedUnread)) items.set(`read\n${conversation.id}`, `${readUpTo}\n${+markedUnread}`);
  }
  for (const [key, setting] of Object.entries(state.settings.account)) {
    const version = state.logValues.settings[key] ?? setting.version;
    if (version > 0) items.set(`setting\n${key}`, `${version}`);
  }
  return items;
}

/** Keeps a conversation's read state as the log left it before this device changes it ahead of the log. */
export function holdRead(state: SyncState, conversationId: string): void {
  const conversation = state.conversations[conversationId];
  if (conversation) state.logValues.reads[conversationId] ??= { readUpTo: conversation.readUpTo, markedUnread: conversation.markedUnread };
}

/** Keeps an account setting's version as the log left it before a reply runs ahead of its event. */
export function holdSetting(state: SyncState, key: string): void {
  state.logValues.settings[key] ??= state.settings.account[key]?.version ?? 0;
}

/** Whether this runtime can hash (WebCrypto: Node 20, browsers in secure contexts). */
export function canDigest(): boolean {
  return typeof globalThis.crypto?.subtle?.digest === 'function';
}

/** Sums item hashes as the server does: 16 hex digits. Keeps the hashes of the last call's items for the next. */
export class DigestHasher {
  private hashes = new Map<string, bigint>();

  async digest(items: Map<string, string>): Promise<string> {
    const hashes = new Map<string, bigint>();
    await Promise.all([...items].map(async ([what, values]) => {
      const item = `${what}\n${values}`;
      const hash = this.hashes.get(item) ?? new DataView(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(item))).getBigUint64(0);
      hashes.set(item, hash);
    }));
    this.hashes = hashes;
    let sum = 0n;
    hashes.forEach((hash) => (sum += hash));
    return (sum & MASK).toString(16).padStart(16, '0');
  }
}
