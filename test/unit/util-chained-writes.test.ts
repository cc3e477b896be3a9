// Chunks handed over are written in order, one in flight while the next fills; a failed write fails every
// later one and surfaces where the caller waits, and a file given up can wait for its writes regardless.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fs, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ChainedWrites } from '../../src/core/util/chained-writes.js';

async function tempFile(): Promise<{ file: string; done: () => Promise<void> }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'recaption-chained-'));
  return { file: path.join(dir, 'out.bin'), done: () => fs.rm(dir, { recursive: true, force: true }) };
}

test('chunks are written in the order they were handed over, the caller waiting as told', async () => {
  const { file, done } = await tempFile();
  const handle = await fs.open(file, 'w');
  const writes = new ChainedWrites(handle, file);
  const chunks = Array.from({ length: 100 }, (_, i) => randomBytes(1 + ((i * 7919) % 70_000)));
  for (const [i, chunk] of chunks.entries()) {
    const wait = writes.handOver(chunk);
    // Waiting only now and then lets several writes queue up behind each other.
    if (wait && i % 10 === 0) await wait;
  }
  await writes.done();
  await handle.close();
  assert.ok((await fs.readFile(file)).equals(Buffer.concat(chunks)));
  await done();
});

test('a file that opens as its first chunk fills takes chunks at once', async () => {
  const { file, done } = await tempFile();
  const opened = fs.open(file, 'wx');
  const writes = new ChainedWrites(opened, file);
  writes.handOver(Buffer.from('first '));
  writes.handOver(Buffer.from('second'));
  await writes.done();
  await (await opened).close();
  assert.equal(await fs.readFile(file, 'utf8'), 'first second');
  await done();
});

test('a failed write fails the later ones and surfaces where the caller waits; settled() waits regardless', async () => {
  const { file, done } = await tempFile();
  await fs.writeFile(file, 'kept');
  // Opened for reading: every write fails.
  const handle = await fs.open(file, 'r');
  const writes = new ChainedWrites(handle, file);
  assert.equal(writes.handOver(Buffer.from('a')), undefined);
  const before = writes.handOver(Buffer.from('b'));
  assert.ok(before);
  await assert.rejects(before, { code: 'EBADF' });
  await assert.rejects(writes.done(), { code: 'EBADF' });
  await writes.settled();
  await handle.close();
  assert.equal(await fs.readFile(file, 'utf8'), 'kept');
  await done();
});

test('a chunk is released only once its write is over, a failed one too', async () => {
  const { file, done } = await tempFile();
  const handle = await fs.open(file, 'w');
  const writes = new ChainedWrites(handle, file);
  const chunks = Array.from({ length: 20 }, (_, i) => randomBytes(1000 + i));
  const onDisk: number[] = [];
  for (const chunk of chunks) {
    // At its release every byte of the chunk, and of those before it, is in the file.
    void writes.handOver(chunk, () => onDisk.push(statSync(file).size));
  }
  await writes.done();
  await handle.close();
  let total = 0;
  assert.deepEqual(
    onDisk,
    chunks.map((c) => (total += c.length)),
  );
  const reading = await fs.open(file, 'r');
  const failing = new ChainedWrites(reading, file);
  let released = false;
  void failing.handOver(Buffer.from('x'), () => (released = true));
  await assert.rejects(failing.done(), { code: 'EBADF' });
  assert.ok(released, 'a failed write releases its chunk');
  await reading.close();
  await done();
});
