/**
 * The local state as the app reads it: conversations with their optimistic sends merged in,
 * unread counts, the badge and effective settings. Every change bumps `version` and tells the
 * listeners, which is what live queries and the React hooks watch.
 */

import type { Outbox } from './outbox.js';
import { effectiveSetting, emptyState, type MessageRecord, type SyncState } from './sync_state.js';
import type { Conversation, Message, PendingSend } from './types.js';
import { badgeShare, totalUnread } from './unread.js';

export class LocalModel {
  state: SyncState = emptyState();
  version = 0;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly outbox: Outbox) {}

  changed(): void {
    this.version++;
    for (const listener of [...this.listeners]) listener();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  conversations(): Conversation[] {
    const pending = this.outbox.all();
    return Object.values(this.state.conversations).map((record) => {
      const confirmed = record.lastMessages.map((message) => confirmedMessage(message));
      const seen = new Set(confirmed.map((message) => message.clientMsgId).filter(Boolean));
      const optimistic = pending.filter((entry) => entry.conversationId === record.id && !seen.has(entry.clientMsgId))
        .map((entry) => optimisticMessage(entry, this.state.userId, this.state.deviceId));
      return {
        id: record.id,
        kind: record.kind,
        title: record.title,
        members: [...record.members],
        memberCount: record.memberCount,
        stream: record.stream,
        head: record.head,
        lastMessages: [...confirmed, ...optimistic],
        unread: record.unread,
        readUpTo: record.readUpTo,
        markedUnread: record.markedUnread,
        receipts: structuredClone(record.receipts),
      };
    }).sort((a, b) => lastActivity(b) - lastActivity(a) || (a.id < b.id ? -1 : 1));
  }

  conversation(id: string): Conversation | undefined {
    return this.conversations().find((conversation) => conversation.id === id);
  }

  unread(conversationId: string): number {
    const record = this.state.conversations[conversationId];
    return record ? badgeShare(record.unread, record.markedUnread) : 0;
  }

  badge(): number {
    return totalUnread(Object.values(this.state.conversations));
  }

  setting(key: string): unknown {
    return effectiveSetting(this.state.settings, key);
  }
}

function confirmedMessage(record: MessageRecord): Message {
  return { ...record, body: record.body, state: 'sent' };
}

function optimisticMessage(entry: PendingSend, userId: string | null, deviceId: string | null): Message {
  const message: Message = {
    conversationId: entry.conversationId,
    convSeq: entry.convSeq ?? null,
    seq: entry.seq ?? null,
    sender: { userId: userId ?? '', deviceId },
    body: entry.body,
    clientMsgId: entry.clientMsgId,
    ts: entry.createdAt,
    state: entry.state,
  };
  if (entry.error) message.error = entry.error;
  return message;
}

function lastActivity(conversation: Conversation): number {
  const last = conversation.lastMessages[conversation.lastMessages.length - 1];
  return last ? last.ts : 0;
}
