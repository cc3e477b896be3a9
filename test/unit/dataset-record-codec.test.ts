// Records packed for another thread come back as they went, field for field: absent fields stay absent,
// nulls stay null, and a record with a field or a type the layout does not know travels whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordPacker, unpackRecords } from '../../src/core/dataset/record-codec.js';
import { emptyRecord, type ManifestRecord } from '../../src/shared/record.js';

const full: ManifestRecord = {
  file_name: 'a/ü 1.jpg',
  width: 640,
  height: 480,
  sha256: 'f'.repeat(64),
  alt: { text: 'alt — ok', source: 'exif', score: -0.5 },
  ssc: { text: 'a cat', by: 'model', model: 'm', at: '2026-01-01T00:00:00.000Z', review: 'approved', original: 'a dog', finish: 'length', score: 0.3 },
  dsc: { text: 'The image shows a cat.', by: 'human', review: null },
  error: null,
  bytes: 1234,
  mtime_ms: 1.7e12 + 0.5,
  missing: false,
  stale: true,
  audit: true,
  score_model: 'clip',
  phash: '0123456789abcdef',
};

const cases: ManifestRecord[] = [
  full,
  emptyRecord('b.png'),
  { ...emptyRecord('c.png'), width: 0, error: 'cannot decode', ssc: { text: '', by: 'upsample', review: null } },
  // Absent where a parsed line may leave them absent (toRecord fills only some).
  { file_name: 'd.png' } as ManifestRecord,
  { ...emptyRecord('e.png'), alt: { text: 'x', source: 'sidecar' } },
  // Fields the layout does not know, or types it does not hold: whole.
  { ...emptyRecord('f.png'), extra: { nested: [1, 'two'] } },
  { ...emptyRecord('g.png'), missing: 'yes' as unknown as boolean },
  { ...emptyRecord('h.png'), ssc: { text: 't', by: 'model', review: null, note: 'other tool' } as ManifestRecord['ssc'] },
];

test('packed records unpack equal to what went in, batch after batch', () => {
  const packer = new RecordPacker();
  for (let round = 0; round < 3; round++) {
    for (const record of cases) packer.add(record);
    const packed = structuredClone(packer.take());
    assert.equal(packed.whole.length, 3, 'the records with unknown fields or types travel whole');
    assert.deepEqual(unpackRecords(packed), cases);
    assert.equal(packer.size, 0);
  }
});

test('an absent field stays absent and a null stays null', () => {
  const packer = new RecordPacker();
  packer.add({ file_name: 'd.png' } as ManifestRecord);
  packer.add(emptyRecord('b.png'));
  const [bare, empty] = unpackRecords(packer.take());
  assert.deepEqual(Object.keys(bare!), ['file_name']);
  assert.deepEqual(Object.keys(empty!).sort(), Object.keys(emptyRecord('b.png')).sort());
  assert.equal(empty!.alt, null);
});
