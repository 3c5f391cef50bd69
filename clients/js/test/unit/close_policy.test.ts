import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decideOnClose } from '../../src/close_policy.js';

test('each close code maps to what the client must do', () => {
  assert.equal(decideOnClose(1001, null), 'reconnect');
  assert.equal(decideOnClose(1006, null), 'reconnect');
  assert.equal(decideOnClose(1011, null), 'reconnect');
  assert.equal(decideOnClose(4000, null), 'reconnect');
  assert.equal(decideOnClose(4008, null), 'reconnect');
  assert.equal(decideOnClose(4001, 'token_expired'), 'refresh_token');
  assert.equal(decideOnClose(4003, 'device_revoked'), 'revoked');
  assert.equal(decideOnClose(4003, null), 'revoked');
  assert.equal(decideOnClose(4003, 'device_unknown'), 'reregister');
  assert.equal(decideOnClose(4003, 'device_not_owned'), 'reregister');
  assert.equal(decideOnClose(4009, null), 'replaced');
  assert.equal(decideOnClose(1009, null), 'client_bug');
  assert.equal(decideOnClose(1007, null), 'client_bug');
});
