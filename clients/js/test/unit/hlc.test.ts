import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HybridClock } from '../../src/hlc.js';

test('a stamp is the wall clock shifted left 16 bits', () => {
  const clock = new HybridClock(0n, () => 1_795_768_655_528);
  assert.equal(clock.tick(), 1_795_768_655_528n << 16n);
  assert.equal(HybridClock.millis(clock.value), 1_795_768_655_528);
});

test('stamps never repeat or go back, even when the wall clock does', () => {
  let now = 1_000_000;
  const clock = new HybridClock(0n, () => now);
  const first = clock.tick();
  now -= 500;
  const second = clock.tick();
  const third = clock.tick();
  assert.ok(second > first && third > second);
});

test('the clock moves past a server stamp it observes', () => {
  const clock = new HybridClock(0n, () => 1_000);
  const server = (5_000n << 16n) + 7n;
  clock.observe(server);
  assert.ok(clock.tick() > server);
});
