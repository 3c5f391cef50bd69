/** The state digest computed apart from the SDK (node:crypto), from item strings written out as docs/protocol.md defines them. */

import { createHash } from 'node:crypto';

export function itemHash(item: string): bigint {
  return createHash('sha256').update(item, 'utf8').digest().readBigUInt64BE(0);
}

export function referenceDigest(items: string[]): string {
  const sum = items.reduce((total, item) => total + itemHash(item), 0n);
  return (sum % 2n ** 64n).toString(16).padStart(16, '0');
}

export const readItem = (conversationId: string, readUpTo: number, markedUnread = false) =>
  `read\n${conversationId}\n${readUpTo}\n${markedUnread ? 1 : 0}`;

export const settingItem = (key: string, version: number) => `setting\n${key}\n${version}`;
