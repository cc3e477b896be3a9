// The hashing thread hashes the blocks a reader hands over from the slots they share: the digest is the
// sha256 of the blocks in order, whatever their sizes, with each slot filled again only once it is hashed;
// a reader that gives up ends the thread without an answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { HashThread } from '../../src/core/dataset/hash-thread.js';

test('the digest is the sha256 of every block handed over, in order, each slot refilled once hashed', async () => {
  const hasher = new HashThread(4096);
  const whole = createHash('sha256');
  let waited = 0;
  for (let k = 0; k < 200; k++) {
    const free = hasher.slotFree();
    if (free) {
      waited++;
      await free;
    }
    const slot = hasher.slots[k % hasher.slots.length]!;
    // Sizes from one byte to a full slot; the bytes are written into the slot the thread reads.
    const length = 1 + ((k * 997) % slot.length);
    const bytes = randomBytes(length);
    bytes.copy(slot);
    whole.update(bytes);
    hasher.handOver(length);
  }
  hasher.finish();
  assert.equal(await hasher.digest, whole.digest('hex'));
  await hasher.stop();
  // Handed over back to back with nothing else to wait for, the reader got ahead of the thread: a slot
  // filled before it was hashed would have changed the digest.
  assert.ok(waited > 0, 'the reader waited for a slot');
});

test('no block: the digest of nothing', async () => {
  const hasher = new HashThread(16);
  hasher.finish();
  assert.equal(await hasher.digest, createHash('sha256').digest('hex'));
  await hasher.stop();
});

test('a reader that gives up ends the thread, which answers nothing', async () => {
  const hasher = new HashThread(1024);
  hasher.slots[0]!.fill(1);
  hasher.handOver(1024);
  await hasher.stop();
  await assert.rejects(hasher.digest, /stopped .* before it answered/);
});
