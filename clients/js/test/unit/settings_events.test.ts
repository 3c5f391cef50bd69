import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyEvent } from '../../src/apply_event.js';
import { effectiveSetting, emptyState } from '../../src/sync_state.js';

function settingsEvent(seq: number, value: unknown, shadowedOn: string[] = []) {
  return { seq, kind: 'settings', ts: 1, data: { key: 'conversation.c1.muted', value, version: seq, hlc: 117702546948669441n + BigInt(seq), device_id: 'other', server_hlc: 117702546948669500n, shadowed_on: shadowedOn } };
}

test('an account setting event changes the effective value', () => {
  const state = emptyState();
  state.deviceId = 'me';
  applyEvent(state, settingsEvent(1, true), 50);
  assert.equal(effectiveSetting(state.settings, 'conversation.c1.muted'), true);
  assert.equal(state.settings.account['conversation.c1.muted'].hlc, '117702546948669442');
  assert.equal(state.hlc, '117702546948669500');
});

test('a device override shadows the account value', () => {
  const state = emptyState();
  state.deviceId = 'me';
  state.settings.device['conversation.c1.muted'] = { value: false, version: 1 };
  applyEvent(state, settingsEvent(1, true, ['me']), 50);
  assert.equal(effectiveSetting(state.settings, 'conversation.c1.muted'), false);
  assert.equal(state.settings.account['conversation.c1.muted'].value, true);
});
