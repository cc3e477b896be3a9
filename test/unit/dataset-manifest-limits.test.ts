// Manifest lines a parser must not choke on: nesting so deep that every save failed with "Maximum call
// stack size exceeded", and a single line of tens of MB (read in quadratic time, then failing the load).
// Both become problem lines with their numbers, kept byte for byte, in linear time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { MAX_JSON_DEPTH, MAX_LINE_BYTES } from '../../src/core/dataset/manifest-codec.js';
import { emptyRecord, MANIFEST_NAME } from '../../src/shared/record.js';
import { makeTempDir, removeDir } from '../support/temp-dataset.js';

const good = (name: string) => JSON.stringify(emptyRecord(name));

test('a record nested 5,000 levels deep is a problem line, and saves keep working', async () => {
  const dir = await makeTempDir();
  try {
    const deep = `{"file_name":"deep.png","width":null,"height":null,"sha256":null,"alt":null,"ssc":null,"dsc":null,"error":null,"x":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    // Deep inside a caption, in a field another tool added.
    const deepInCaption = `{"file_name":"deep2.png","width":null,"height":null,"sha256":null,"alt":null,"ssc":{"text":"x","by":"model","review":null,"tool":${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}},"dsc":null,"error":null}`;
    const text = [good('a.png'), deep, good('b.png'), deepInCaption].join('\n') + '\n';
    await fs.writeFile(path.join(dir, MANIFEST_NAME), text);
    const store = await ManifestStore.open(dir);
    assert.deepEqual(store.problems.map((p) => [p.line, /nested deeper than/.test(p.message)]), [[2, true], [4, true]]);
    assert.ok(MAX_JSON_DEPTH >= 32);
    store.writeHumanCaption('a.png', 'ssc', 'saved');
    await store.save();
    const lines = (await fs.readFile(path.join(dir, MANIFEST_NAME), 'utf8')).split('\n');
    assert.equal(lines[1], deep, 'kept verbatim, in place');
  } finally {
    await removeDir(dir);
  }
});

test('a line over the length limit is a problem line, read in linear time and kept byte for byte', async () => {
  const dir = await makeTempDir();
  try {
    // 40 MB on one line, across many 8 MB read blocks.
    const huge = `{"file_name":"huge.png","junk":"${'x'.repeat(40 << 20)}"}`;
    const file = path.join(dir, MANIFEST_NAME);
    await fs.writeFile(file, [good('a.png'), huge, good('b.png')].join('\n') + '\n');
    assert.ok(Buffer.byteLength(huge) > MAX_LINE_BYTES);
    const started = performance.now();
    const store = await ManifestStore.open(dir);
    const seconds = (performance.now() - started) / 1000;
    assert.ok(seconds < 20, `load took ${seconds.toFixed(1)} s`);
    assert.deepEqual([...store.names()], ['a.png', 'b.png']);
    assert.equal(store.problems.length, 1);
    assert.equal(store.problems[0]!.line, 2);
    assert.match(store.problems[0]!.message, /MB, over the .* a manifest line may have/);
    store.writeHumanCaption('b.png', 'ssc', 'saved');
    await store.save();
    const after = await fs.readFile(file);
    const lines = after.toString('utf8').split('\n');
    assert.equal(lines[1], huge);
    assert.equal(JSON.parse(lines[2]!).ssc.text, 'saved');
  } finally {
    await removeDir(dir);
  }
});
