// On macOS and Windows, Cat.jpg and cat.jpg (or café in NFC and NFD) are one file: an export that copied
// both overwrote one image with another under a caption that no longer matched it. Every format now
// claims its output names folded; the second image is skipped as a name collision and counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { exportFineTuneSet, EXPORT_FORMATS } from '../../src/core/export/index.js';
import { foldedName } from '../../src/core/export/destination-names.js';
import { approvedImages, makeDataset, tempDir } from './export-fixture.js';

async function allFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) if (entry.isFile()) out.push(path.relative(dir, path.join(entry.parentPath, entry.name)));
  return out;
}

test('names equal but for case or Unicode normalization never both reach the output', { skip: process.platform !== 'linux' && 'needs a case-sensitive file system to hold both sources' }, async () => {
  const names = ['Cat.png', 'cat.png', 'caf\u00e9.png', 'cafe\u0301.png', 'dog.png'];
  const store = await makeDataset(approvedImages(names.length).map((img, i) => ({ ...img, fileName: names[i]! })));
  for (const format of EXPORT_FORMATS) {
    const out = await tempDir(`fold-${format}`);
    const { record } = await exportFineTuneSet({ store, out, profile: 'ssc', format, validation: 0, force: true });
    // WebDataset and Parquet keep the images inside their shards: no image file is written, nothing can collide.
    const collisions = format === 'webdataset' || format === 'parquet' ? 0 : 2;
    assert.equal(record.skipped['name-collision'] ?? 0, collisions, `${format}: ${JSON.stringify(record.skipped)}`);
    assert.equal(record.counts.total, names.length - collisions, format);
    const files = await allFiles(out);
    const folded = files.map(foldedName);
    assert.equal(new Set(folded).size, folded.length, `${format} wrote names that collide when folded: ${files.join(', ')}`);
  }
});
