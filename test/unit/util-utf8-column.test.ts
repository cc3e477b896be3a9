// Texts by row as UTF-8 in one buffer (duplicate groups' names, a Parquet export's text columns): each
// row's bytes are the text's UTF-8 and read back as the text, nulls stay null, a column larger than the
// first buffer grows, and each row group starts from nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Utf8Column, isUtf8Values, utf8Buffers, utf8Rows } from '../../src/core/util/utf8-column.js';

test('rows come back as their UTF-8 or null, past the first buffer, group after group', () => {
  const column = new Utf8Column();
  for (let group = 0; group < 2; group++) {
    const texts: (string | null)[] = Array.from({ length: 3000 }, (_, i) => (i % 7 === 3 ? null : `${group}:${i} café 🐱 ${'x'.repeat(i % 50)}`));
    texts.push('', null);
    for (const text of texts) column.push(text);
    assert.equal(column.size, texts.length);
    texts.forEach((text, i) => assert.equal(column.at(i), text));
    const values = structuredClone(column.take());
    assert.ok(isUtf8Values(values));
    assert.ok(values.bytes.length > 1 << 16, 'the column outgrew its first buffer');
    const rows = utf8Rows(values);
    assert.equal(rows.length, texts.length);
    rows.forEach((row, i) => assert.deepEqual(row === null ? null : Buffer.from(row).toString('utf8'), texts[i]));
    assert.equal(column.size, 0);
  }
});

test('a column with no null row has no null marks', () => {
  const column = new Utf8Column();
  for (let i = 0; i < 2000; i++) column.push(`name-${i}`);
  assert.equal(column.at(1999), 'name-1999');
  const values = column.take();
  assert.equal(values.nulls, null);
  assert.deepEqual(utf8Rows(values).map((row) => Buffer.from(row!).toString()).slice(0, 2), ['name-0', 'name-1']);
});

test('the buffers listed for transfer are the ones the values live in', () => {
  const column = new Utf8Column();
  column.push('a');
  column.push(null);
  const values = column.take();
  const { port1 } = new MessageChannel();
  port1.postMessage(values, utf8Buffers(values));
  port1.close();
  assert.equal(values.bytes.byteLength, 0, 'transferred away');
  assert.equal(values.nulls!.byteLength, 0, 'transferred away');
  column.push('b');
  assert.equal(Buffer.from(utf8Rows(column.take())[0]!).toString(), 'b');
});
