import assert from 'node:assert/strict';
import { test } from 'node:test';
import { liveFakeClient } from '../support/fake_client.js';

test('settings.set carries an exact HLC stamp and tracks server_hlc', async () => {
  const { client, socket } = await liveFakeClient();
  const written = client.settings.set('conversation.c1.muted', true);
  assert.equal(client.settings.get('conversation.c1.muted'), true, 'applied locally at once');
  const frame = await socket.frame((f) => f.type === 'settings.set');
  assert.equal(typeof frame.hlc, 'bigint');
  assert.ok(frame.hlc > 2n ** 53n);
  socket.push({ type: 'result', id: frame.id, scope: 'account', key: 'conversation.c1.muted', value: true, version: 1,
    hlc: frame.hlc, device_id: 'dev-1', changed: true, shadowed_on: [], server_hlc: frame.hlc + 1000n });
  const result = await written;
  assert.equal(result.hlc, frame.hlc);
  assert.equal(result.version, 1);
  const next = client.settings.set('profile.display_name', 'Al');
  const second = await socket.frame((f) => f.type === 'settings.set' && f.key === 'profile.display_name');
  assert.ok(second.hlc > frame.hlc + 1000n, 'the clock moved past the server stamp');
  socket.push({ type: 'result', id: second.id, scope: 'account', key: 'profile.display_name', value: 'Al', version: 1, hlc: second.hlc, server_hlc: second.hlc });
  await next;
  await client.stop();
});
