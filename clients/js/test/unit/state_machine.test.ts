import assert from 'node:assert/strict';
import { test } from 'node:test';
import { transition } from '../../src/state_machine.js';

test('a connection goes connecting → syncing → live', () => {
  assert.equal(transition('offline', 'connect').state, 'connecting');
  assert.equal(transition('connecting', 'welcome').state, 'syncing');
  assert.equal(transition('syncing', 'synced').state, 'live');
});

test('a lost connection is offline for the network; a replaced one says so', () => {
  assert.deepEqual(transition('live', 'lost'), { state: 'offline', previous: 'live', reason: 'network', changed: true });
  assert.equal(transition('live', 'replaced').reason, 'replaced');
});

test('revoked is final except for stop', () => {
  assert.equal(transition('revoked', 'connect').changed, false);
  assert.equal(transition('revoked', 'welcome').changed, false);
  assert.equal(transition('revoked', 'stop').state, 'stopped');
});

test('inputs a state does not accept change nothing', () => {
  assert.equal(transition('offline', 'synced').changed, false);
  assert.equal(transition('stopped', 'lost').state, 'stopped');
});
