import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeFrame, parseFrame } from '../../src/wire_json.js';

test('hlc and server_hlc above 2^53 are parsed exactly, as BigInt', () => {
  const frame = parseFrame('{"type":"result","hlc":117702546948669441,"server_hlc": 117702546948669503,"version":1}');
  assert.equal(frame.hlc, 117702546948669441n);
  assert.equal(frame.server_hlc, 117702546948669503n);
  assert.equal(frame.version, 1);
});

test('stamps nested in events, settings and conflicts are exact too', () => {
  const frame = parseFrame('{"type":"event","seq":4,"data":{"key":"k","hlc":117702546948669443,"server_hlc":117702546948669444},'
    + '"account":{"k":{"value":1,"hlc":117702546948669445}}}');
  assert.equal(frame.data.hlc, 117702546948669443n);
  assert.equal(frame.data.server_hlc, 117702546948669444n);
  assert.equal(frame.account.k.hlc, 117702546948669445n);
});

test('the app\'s own JSON in body and value is left exactly as sent', () => {
  const frame = parseFrame('{"type":"event","data":{"body":{"hlc":12,"text":"\\"hlc\\":5"},"value":{"hlc":7}},"hlc":9}');
  assert.deepEqual(frame.data.body, { hlc: 12, text: '"hlc":5' });
  assert.deepEqual(frame.data.value, { hlc: 7 });
  assert.equal(frame.hlc, 9n);
});

test('a string that merely looks like a key is not touched', () => {
  const frame = parseFrame('{"type":"x","note":"\\"hlc\\":1","hlc":null}');
  assert.equal(frame.note, '"hlc":1');
  assert.equal(frame.hlc, null);
});

test('encoding writes BigInt stamps as exact JSON integers', () => {
  const text = encodeFrame({ type: 'settings.set', key: 'k', value: 'v', hlc: 117702546948669441n });
  assert.equal(text, '{"type":"settings.set","key":"k","value":"v","hlc":117702546948669441}');
  assert.equal(parseFrame(text).hlc, 117702546948669441n);
});
