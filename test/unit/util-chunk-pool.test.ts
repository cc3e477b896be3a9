// Buffers given back are handed out again, at most a few kept; buffers of another size are not kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkPool } from '../../src/core/util/chunk-pool.js';

test('a chunk given back is taken again; another size, or one past those kept, is left to the collector', () => {
  const pool = new ChunkPool(1024);
  const a = pool.take();
  assert.equal(a.length, 1024);
  pool.give(a);
  assert.equal(pool.take(), a);
  pool.give(Buffer.alloc(512));
  assert.equal(pool.take().length, 1024, 'a buffer of another size is not handed out');
  const many = Array.from({ length: 40 }, () => pool.take());
  for (const b of many) pool.give(b);
  const again = new Set(Array.from({ length: 40 }, () => pool.take()));
  const reused = many.filter((b) => again.has(b)).length;
  assert.ok(reused > 0 && reused < 40, `${reused} of 40 reused: a few are kept, not all`);
});
