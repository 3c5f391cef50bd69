import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Backoff } from '../../src/backoff.js';

test('delays grow from 0.5 s and are capped at 20 s, with full jitter', () => {
  const highest = new Backoff({ random: () => 1 });
  const ceilings = Array.from({ length: 8 }, () => highest.next());
  assert.deepEqual(ceilings, [500, 1000, 2000, 4000, 8000, 16000, 20000, 20000]);
  const lowest = new Backoff({ random: () => 0 });
  assert.equal(lowest.next(), 0);
});

test('reset starts again from the smallest delay', () => {
  const backoff = new Backoff({ random: () => 1 });
  backoff.next();
  backoff.next();
  backoff.reset();
  assert.equal(backoff.next(), 500);
});

test('a server Retry-After is a floor', () => {
  const backoff = new Backoff({ random: () => 0.1 });
  assert.equal(backoff.next(3000), 3000);
});
