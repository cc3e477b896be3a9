// The caption editor's host-side filtering, counting and find & replace (src/extension/editor/query.ts).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { compileQuery, countRecords, planReplace, QueryError } from '../../src/core/dataset/query.js';
import { EMPTY_QUERY, isUnreviewed, recordState, type RecordQuery } from '../../src/shared/protocol.js';
import { emptyRecord, type Caption, type ManifestRecord } from '../../src/shared/record.js';

const machine = (text: string, review: Caption['review'] = null): Caption => ({ text, by: 'model', model: 'm', review });
const human = (text: string, original?: string, review: Caption['review'] = null): Caption => ({ text, by: 'human', review, ...(original ? { original } : {}) });

function rec(name: string, patch: Partial<ManifestRecord>): ManifestRecord {
  return { ...emptyRecord(name), ...patch };
}

const records: ManifestRecord[] = [
  rec('a.jpg', {}),
  rec('b.jpg', { ssc: machine('a red car'), dsc: machine('A red car parked on a quiet street at dusk.') }),
  rec('c.jpg', { ssc: human('a blue bike', 'a bike'), dsc: machine('A blue bike leaning on a wall.', 'approved') }),
  rec('d.jpg', { ssc: machine('a dog', 'approved'), dsc: machine('A dog asleep on a sofa.', 'approved') }),
  rec('e.jpg', { ssc: machine('a cat', 'rejected'), dsc: null }),
  rec('f.jpg', { error: 'not a readable image' }),
  rec('g.jpg', { alt: { text: 'Red sunset over the bay', source: 'sidecar' }, ssc: machine('a sunset') }),
];

const names = (q: Partial<RecordQuery>) => records.filter(compileQuery({ ...EMPTY_QUERY, ...q })).map((r) => r.file_name);

test('record states for the list badges', () => {
  assert.deepEqual(records.map(recordState), ['uncaptioned', 'machine', 'edited', 'approved', 'rejected', 'error', 'machine']);
  assert.deepEqual(countRecords(records), { total: 7, uncaptioned: 1, machine: 2, edited: 1, approved: 1, rejected: 1, error: 1 });
  assert.deepEqual(records.filter(isUnreviewed).map((r) => r.file_name), ['a.jpg', 'b.jpg', 'c.jpg', 'f.jpg', 'g.jpg']);
});

test('filters by review state, author, error and caption length', () => {
  assert.deepEqual(names({ review: 'approved' }), ['c.jpg', 'd.jpg']);
  assert.deepEqual(names({ review: 'approved', field: 'ssc' }), ['d.jpg']);
  assert.deepEqual(names({ review: 'rejected' }), ['e.jpg']);
  assert.deepEqual(names({ author: 'human' }), ['c.jpg']);
  assert.deepEqual(names({ author: 'none', field: 'dsc' }), ['a.jpg', 'e.jpg', 'f.jpg', 'g.jpg']);
  assert.deepEqual(names({ error: true }), ['f.jpg']);
  assert.equal(names({ error: false }).length, 6);
  assert.deepEqual(names({ field: 'ssc', minLength: 9 }), ['b.jpg', 'c.jpg']);
  assert.deepEqual(names({ field: 'dsc', maxLength: 25 }), ['d.jpg']);
});

test('text filter: plain, case, regex, alt-text and bad regex', () => {
  assert.deepEqual(names({ text: 'red' }), ['b.jpg', 'g.jpg']);
  assert.deepEqual(names({ text: 'Red', caseSensitive: true }), ['g.jpg']);
  assert.deepEqual(names({ text: 'Red', caseSensitive: true, field: 'ssc' }), []);
  assert.deepEqual(names({ text: '^a (dog|cat)$', regex: true, field: 'ssc' }), ['d.jpg', 'e.jpg']);
  assert.deepEqual(names({ text: 'a.b', regex: false }), []);
  assert.throws(() => compileQuery({ ...EMPTY_QUERY, text: '(', regex: true }), QueryError);
});

test('find & replace plans changes within the records it is given and the fields only', async () => {
  const plan = await planReplace(records, { find: 'a ', replace: 'one ', regex: false, caseSensitive: true, fields: ['ssc'] });
  assert.deepEqual(plan.map((c) => `${c.fileName}:${c.after}`), ['b.jpg:one red car', 'c.jpg:one blue bike', 'd.jpg:one dog', 'e.jpg:one cat', 'g.jpg:one sunset']);
  // The filter is the caller's (the editor's query index): here, the approved DSCs.
  const shown = records.filter(compileQuery({ ...EMPTY_QUERY, review: 'approved', field: 'dsc' }));
  const scoped = await planReplace(shown, { find: '^A (\\w+)', replace: 'The $1', regex: true, caseSensitive: true, fields: ['dsc'] });
  assert.deepEqual(scoped.map((c) => [c.fileName, c.before, c.after]), [
    ['c.jpg', 'A blue bike leaning on a wall.', 'The blue bike leaning on a wall.'],
    ['d.jpg', 'A dog asleep on a sofa.', 'The dog asleep on a sofa.'],
  ]);
  // "$1" is literal in plain mode
  const literal = await planReplace(records, { find: 'dog', replace: '$1', regex: false, caseSensitive: false, fields: ['ssc'] });
  assert.deepEqual(literal.map((c) => c.after), ['a $1']);
});
