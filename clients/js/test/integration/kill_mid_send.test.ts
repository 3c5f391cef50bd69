import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileStore } from '../../src/store_file.js';
import { createGroup, eventually, newUser, serverUrl } from '../support/env.js';
import { device, stopAll } from '../support/real_clients.js';

after(stopAll);

test('killed with -9 mid-send and restarted on the same store: nothing lost, nothing doubled', async () => {
  const alice = newUser('alice');
  const conversation = await createGroup([alice, newUser('bob')]);
  const folder = mkdtempSync(join(tmpdir(), 'lockstep-kill-'));
  const script = new URL('../support/sender_process.js', import.meta.url).pathname;
  const child = spawn(process.execPath, [script, serverUrl(), alice, folder, conversation, '40'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const queued: string[] = [];
  let deviceId = '';
  await new Promise<void>((resolve, reject) => {
    let buffer = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('device ')) deviceId = line.slice(7);
        if (line.startsWith('queued ')) queued.push(line.slice(7));
        if (queued.length === 25 && child.exitCode === null) {
          child.kill('SIGKILL');
          resolve();
        }
      }
    });
    child.once('exit', () => resolve());
    setTimeout(() => reject(new Error('the sender did not queue 25 messages in time')), 30_000);
  });
  await new Promise((resolve) => child.once('exit', resolve));

  const restarted = device(alice, { store: fileStore(folder) });
  await restarted.start();
  assert.equal(restarted.deviceId, deviceId, 'the same device after the restart');
  await eventually(() => restarted.pending().length === 0, 'the outbox drains');
  await restarted.synced();

  const observer = device(alice);
  await observer.start();
  const history = await observer.history(conversation, { limit: 1000 });
  const ids = history.messages.map((m) => m.clientMsgId);
  for (const id of queued) assert.equal(ids.filter((known) => known === id).length, 1, `message ${id} exactly once`);
  assert.equal(new Set(ids).size, ids.length, 'no message twice');
  assert.deepEqual(history.messages.map((m) => m.body.text), ids.map((_, i) => `message ${i}`), 'in the order they were sent');
  rmSync(folder, { recursive: true, force: true });
});
