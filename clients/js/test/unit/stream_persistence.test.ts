import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileStore } from '../../src/store_file.js';
import { memoryStore } from '../../src/store_memory.js';
import { fakeClient, streamingFakeClient } from '../support/fake_client.js';
import { streamEvent } from '../support/fake_server.js';

test('stream positions survive a restart on the same store: the backlog\'s repeats are skipped', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'lockstep-streams-'));
  try {
    const first = await streamingFakeClient({ store: fileStore(folder) });
    first.socket.push({ type: 'events', events: [streamEvent('s1', 1, 'bob'), streamEvent('s1', 2, 'bob'), streamEvent('s1', 3, 'bob')] });
    await first.server.until(() => first.client.unread('s1') === 3, 'three messages');
    await first.client.stop();

    const { client, server } = fakeClient({ store: fileStore(folder) });
    const started = client.start();
    const socket = await server.socket(1);
    const hello = await socket.greet({ streams: [{ conversation_id: 's1', position: 1, head: 4 }] });
    assert.equal(hello.streams, true);
    assert.equal(hello.device_id, first.client.deviceId, 'the same device');
    socket.push({ type: 'synced', head: 0 });
    socket.push({ type: 'events', events: [streamEvent('s1', 2, 'bob'), streamEvent('s1', 3, 'bob'), streamEvent('s1', 4, 'bob')] });
    socket.push({ type: 'synced', stream: 's1', head: 4 });
    await started;
    const s1 = client.conversations().find((c) => c.id === 's1')!;
    assert.deepEqual(s1.lastMessages.map((m) => m.convSeq), [1, 2, 3, 4], 'each once');
    assert.equal(client.unread('s1'), 4);
    assert.equal(server.sockets.length, 1, 'no gap: the position was restored at 3');
    await socket.frame((f) => f.type === 'ack' && f.stream === 's1' && f.up_to === 4, 'the ack of 4');
    const acked = socket.sent.filter((f) => f.type === 'ack' && f.stream === 's1').map((f) => f.up_to);
    assert.ok(acked.every((upTo) => upTo >= 3), `acks start from the restored position 3, not the server's 1: ${acked}`);
    await client.stop();
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('a state stored before streams existed loads: no streams, member counts from the member lists', async () => {
  const store = memoryStore();
  await store.set('sync', {
    userId: 'alice', deviceId: 'dev-old', cursor: 4, baseline: true, serverTotalUnread: 0, hlc: '0',
    settings: { account: {}, device: {}, effective: {} },
    conversations: { c1: { id: 'c1', kind: 'group', title: 'c1', members: ['alice', 'bob'], head: 0, readUpTo: 0, unread: 0, markedUnread: false, lastMessages: [], receipts: {} } },
  });
  const { client, server } = fakeClient({ store });
  const started = client.start();
  const socket = await server.socket(1);
  const hello = await socket.greet({ streams: [{ conversation_id: 's9', position: 6, head: 6 }] });
  assert.equal(hello.cursor, 4);
  socket.push({ type: 'synced', head: 4 });
  socket.push(streamEvent('s9', 7, 'bob'));
  socket.push({ type: 'synced', stream: 's9', head: 7 });
  await started;
  const c1 = client.conversations().find((c) => c.id === 'c1')!;
  assert.deepEqual([c1.memberCount, c1.stream], [2, false]);
  assert.deepEqual(client.conversations().find((c) => c.id === 's9')!.lastMessages.map((m) => m.convSeq), [7]);
  assert.equal(client.unread('s9'), 1);
  await client.stop();
});
