// Every format's output, byte for byte, against the golden made by the export before it streamed the
// manifest (export-golden.json, made with export-golden-fixture.ts from that tree): through the manifest file
// read once (the CLI) and through a store (the editor), for a sorted file, one out of name order (indexed
// instead) and one with CRLF line ends and a blank line (hashed as saved).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { duplicateGroupsOf } from '../../src/core/dataset/duplicates.js';
import { ManifestFile } from '../../src/core/dataset/manifest-file.js';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { StreamedGroups } from '../../src/core/export/streamed-groups.js';
import { MANIFEST_NAME } from '../../src/shared/record.js';
import { goldenRun, makeGoldenDataset, treeDigest, type ManifestLayout } from './export-golden-fixture.js';

type Golden = Record<ManifestLayout, Record<string, { files: number; sha256: string }>>;

async function golden(): Promise<Golden> {
  return JSON.parse(await fs.readFile(path.join(__dirname, 'export-golden.json'), 'utf8')) as Golden;
}

for (const layout of ['sorted', 'unsorted', 'crlf-blank-lines'] as const) {
  for (const [via, manifestOf] of [
    ['the manifest file', async (folder: string) => new ManifestFile(folder, MANIFEST_NAME, { threads: 1 })],
    ['the manifest file parsed by threads', async (folder: string) => new ManifestFile(folder, MANIFEST_NAME, { threads: 2, parallelFromBytes: 0 })],
    ['a store', (folder: string) => ManifestStore.open(folder)],
  ] as const) {
    test(`every format and setting gives the golden bytes: ${layout} manifest, through ${via}`, async () => {
      const expected = (await golden())[layout];
      const run = await goldenRun(layout, manifestOf);
      assert.deepEqual(Object.keys(run), Object.keys(expected));
      for (const [name, hashes] of Object.entries(run)) assert.deepEqual(treeDigest(hashes), expected[name], `${name}: ${JSON.stringify(hashes, null, 1)}`);
    });
  }
}

test('groups found as records stream by are the whole groups; a late join of two groups is noticed', async () => {
  for (const [kind, whole] of [
    ['main', true],
    ['merging', false],
  ] as const) {
    const folder = await makeGoldenDataset(kind, 'sorted');
    const store = await ManifestStore.open(folder);
    const streamed = new StreamedGroups(4);
    for (const record of store.records()) streamed.add(record);
    assert.deepEqual(streamed.groups(), duplicateGroupsOf(store.records(), 4));
    assert.ok(streamed.groups().length > 0);
    assert.equal(streamed.judgedAsWhole(), whole, kind);
    store.close();
    await fs.rm(path.dirname(folder), { recursive: true, force: true });
  }
});
