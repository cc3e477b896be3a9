// A Parquet text column sent as UTF-8 in one buffer: each row's bytes are the text's UTF-8, nulls stay
// null, a column larger than the first buffer grows, and each row group starts from nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Utf8ColumnBuilder, isUtf8Values, utf8Buffers, utf8Rows } from '../../src/core/export/formats/parquet/utf8-column.js';

test('rows come back as their UTF-8 or null, past the first buffer, group after group', () => {
  const builder = new Utf8ColumnBuilder();
  for (let group = 0; group < 2; group++) {
    const texts: (string | null)[] = Array.from({ length: 3000 }, (_, i) => (i % 7 === 3 ? null : `${group}:${i} café 🐱 ${'x'.repeat(i % 50)}`));
    texts.push('', null);
    for (const text of texts) builder.add(text);
    const values = structuredClone(builder.take());
    assert.ok(isUtf8Values(values));
    assert.ok(values.bytes.length > 1 << 16, 'the column outgrew its first buffer');
    const rows = utf8Rows(values);
    assert.equal(rows.length, texts.length);
    rows.forEach((row, i) => assert.deepEqual(row === null ? null : Buffer.from(row).toString('utf8'), texts[i]));
  }
});

test('the buffers listed for transfer are the ones the values live in', () => {
  const builder = new Utf8ColumnBuilder();
  builder.add('a');
  const values = builder.take();
  const { port1 } = new MessageChannel();
  port1.postMessage(values, utf8Buffers(values));
  port1.close();
  assert.equal(values.bytes.byteLength, 0, 'transferred away');
  builder.add('b');
  assert.equal(Buffer.from(utf8Rows(builder.take())[0]!).toString(), 'b');
});
