/**
 * Applies the server's `state` reply to a repair (docs/protocol.md, "State digest"): the read state
 * of every conversation and every account setting replace the local ones, and the answer says which
 * of them differed from what the local digest counted.
 */

import { applyAccountSetting } from './apply_event.js';
import { conversationFromWire } from './apply_snapshot.js';
import { digestItems } from './state_digest.js';
import { readStream } from './streams.js';
import type { SyncState } from './sync_state.js';
import type { Divergence, ReadStateValue } from './types.js';

export function applyState(state: SyncState, frame: Record<string, any>): Pick<Divergence, 'conversations' | 'settings'> {
  const before = digestItems(state);
  const listed = new Map<string, Record<string, any>>();
  for (const wire of frame.conversations ?? []) listed.set(wire.conversation_id, wire);
  for (const [id, wire] of listed) state.conversations[id] ??= conversationFromWire({ conversation_id: id, kind: 'group', stream: wire.stream });
  for (const conversation of Object.values(state.conversations)) {
    const wire = listed.get(conversation.id) ?? { read_up_to: 0, unread: 0 };
    const position = state.streams[conversation.id];
    if (conversation.stream && position !== undefined) {
      readStream(conversation, Number(wire.read_up_to), position);
    } else {
      conversation.readUpTo = Number(wire.read_up_to);
      conversation.unread = Number(wire.unread);
    }
    conversation.markedUnread = wire.marked_unread === true;
  }
  const settings: Record<string, Record<string, any>> = frame.settings ?? {};
  for (const [key, setting] of Object.entries(state.settings.account)) {
    if (!settings[key] && setting.version > 0) delete state.settings.account[key];
  }
  for (const key in settings) applyAccountSetting(state, { ...settings[key], key });
  state.serverTotalUnread = Number(frame.total_unread);
  state.logValues = { reads: {}, settings: {} };

  const after = digestItems(state);
  const differences: Pick<Divergence, 'conversations' | 'settings'> = { conversations: [], settings: [] };
  for (const what of new Set([...before.keys(), ...after.keys()])) {
    const [local, server] = [before.get(what), after.get(what)];
    if (local === server) continue;
    const name = what.slice(what.indexOf('\n') + 1);
    if (what.startsWith('read')) differences.conversations.push({ conversationId: name, local: readValue(local), server: readValue(server) });
    else differences.settings.push({ key: name, local: local ? Number(local) : null, server: server ? Number(server) : null });
  }
  return differences;
}

function readValue(values: string | undefined): ReadStateValue | null {
  return values ? { readUpTo: parseInt(values), markedUnread: values.endsWith('1') } : null;
}
