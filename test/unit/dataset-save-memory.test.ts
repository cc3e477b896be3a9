// Issue 24 item 12: a save streams lines that are long (a problem line of tens of MB kept byte for byte, a
// record of a few MB): it never holds such a line whole, let alone three copies of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { emptyRecord, MANIFEST_NAME } from '../../src/shared/record.js';
import { makeTempDir, removeDir } from '../support/temp-dataset.js';

const MB = 2 ** 20;
const PROBLEM_MB = 96;

test(`a save of a manifest with a ${PROBLEM_MB} MB problem line and a 7 MB record raises peak memory by a fraction of the line`, async () => {
  const dir = await makeTempDir('recaption-save-memory-');
  try {
    const file = path.join(dir, MANIFEST_NAME);
    const handle = await fs.open(file, 'w');
    await handle.write(`${JSON.stringify({ ...emptyRecord('a.png'), ssc: { text: 'a cat', by: 'model', review: null } })}\n`);
    await handle.write(`${JSON.stringify({ ...emptyRecord('b.png'), alt: { text: 'b'.repeat(7 * MB), source: 'sidecar' } })}\n`);
    // Over the 8 MB a record line may have: a problem line, written back byte for byte.
    await handle.write('{"file_name": "c.png", "alt": {"text": "');
    const block = Buffer.alloc(MB, 'c');
    for (let i = 0; i < PROBLEM_MB; i++) await handle.write(block);
    await handle.write('", "source": "sidecar"}}\n');
    await handle.write(`${JSON.stringify({ ...emptyRecord('d.png') })}\n`);
    await handle.close();
    const sizeBefore = (await fs.stat(file)).size;

    const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(__dirname, '..', 'support', 'save-memory-child.ts'), dir], { encoding: 'utf8' });
    assert.equal(child.status, 0, child.stderr);
    const { floor, peakBefore, peak, problems, size } = JSON.parse(child.stdout) as { floor: number; peakBefore: number; peak: number; problems: number; size: number };
    assert.equal(problems, 1);
    assert.equal(size, 3);
    const rise = peak - Math.max(floor, peakBefore);
    console.log(`peak RSS rose by ${(rise / MB).toFixed(1)} MB during the save`);
    assert.ok(rise < (PROBLEM_MB * MB) / 4, `the save raised peak RSS by ${(rise / MB).toFixed(0)} MB for a ${PROBLEM_MB} MB line`);

    const after = await fs.readFile(file);
    assert.ok(after.length > sizeBefore, 'the edit made the line of a.png longer');
    const lines = after.toString('latin1').split('\n');
    assert.equal(lines.length, 5);
    assert.equal(lines[2]!.length, '{"file_name": "c.png", "alt": {"text": "'.length + PROBLEM_MB * MB + '", "source": "sidecar"}}'.length, 'the problem line, byte for byte');
    assert.ok(lines[2]!.startsWith('{"file_name": "c.png"') && lines[2]!.endsWith('"sidecar"}}'));
    assert.equal(JSON.parse(lines[1]!).alt.text.length, 7 * MB);
    assert.equal(JSON.parse(lines[0]!).ssc.text, 'edited, so the save writes');
  } finally {
    await removeDir(dir);
  }
});
