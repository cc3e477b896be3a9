// The manifest store as an index over its file: lines copied as they are on save, records parsed on demand,
// a file changed under it refused, text search that passes over lines without parsing them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ManifestChangedError, ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { compileQuery, countRecords } from '../../src/core/dataset/query.js';
import { parseManifest, serializeManifest } from '../../src/core/dataset/manifest-codec.js';
import { emptyRecord, type ManifestRecord } from '../../src/shared/record.js';
import { EMPTY_QUERY, factsOf, type RecordQuery } from '../../src/shared/record-query.js';
import { seededRandom } from '../../src/core/util/seeded-random.js';
import { withManifest } from '../support/temp-dataset.js';

const line = (name: string, extra: Record<string, unknown> = {}) => JSON.stringify({ ...emptyRecord(name), width: 4, height: 3, sha256: 'ab', ...extra });

test('a save copies every unchanged line byte for byte and rewrites only the changed one', async () => {
  // Lines another tool wrote its own way: spaces, its own key order, fields left out.
  const a = '{ "file_name": "a.png",  "width": 4 }';
  const b = '{"sha256":null,"file_name":"b.png","ssc":{"text":"caf\\u00e9","by":"model","review":null}}';
  const c = line('c.png');
  await withManifest([a, b, c].join('\n') + '\n', async (dir, file) => {
    const store = await ManifestStore.open(dir);
    store.writeHumanCaption('c.png', 'dsc', 'a person wrote this');
    await store.save();
    const out = (await fs.readFile(file, 'utf8')).split('\n');
    assert.equal(out[0], a);
    assert.equal(out[1], b);
    assert.equal(JSON.parse(out[2]!).dsc.text, 'a person wrote this');
    assert.equal(out.length, 4);
    // The store reads the written file afterwards, at the offsets the save recorded.
    assert.equal(store.get('b.png')!.ssc!.text, 'café');
    assert.equal(store.get('c.png')!.dsc!.text, 'a person wrote this');
    assert.equal(store.isDirty, false);
    store.close();
  });
});

test('CRLF, a byte-order mark, blank lines and broken lines come back as they were, in name order', async () => {
  const text = '\uFEFF' + [line('b.png'), '{"file_name": "x.png", broken', '', line('a.png'), '[1,2]'].join('\r\n') + '\r\n';
  await withManifest(text, async (dir, file) => {
    const store = await ManifestStore.open(dir);
    assert.deepEqual(store.names(), ['a.png', 'b.png']);
    assert.deepEqual(store.problems.map((p) => p.line), [2, 5]);
    store.setError('a.png', 'unreadable');
    await store.save();
    const out = await fs.readFile(file, 'utf8');
    assert.equal(out, '\uFEFF' + [line('a.png', { error: 'unreadable' }), '[1,2]', line('b.png'), '{"file_name": "x.png", broken'].join('\r\n') + '\r\n');
    // The problems now say where their lines are in the file as saved.
    assert.deepEqual(store.problems.map((p) => p.line), [2, 4]);
    assert.equal(store.sha256(), (await import('node:crypto')).createHash('sha256').update(await fs.readFile(file)).digest('hex'));
    store.close();
  });
});

test('an unsorted manifest is indexed in name order and saved sorted', async () => {
  const names = ['d.png', 'a.png', 'c.png', 'b.png'];
  await withManifest(names.map((n) => line(n, { alt: { text: `alt of ${n}`, source: 'sidecar' } })).join('\n') + '\n', async (dir, file) => {
    const store = await ManifestStore.open(dir);
    assert.deepEqual(store.names(), ['a.png', 'b.png', 'c.png', 'd.png']);
    assert.equal(store.get('c.png')!.alt!.text, 'alt of c.png');
    assert.equal(store.positionOf('d.png'), 3);
    assert.equal(store.positionOf('e.png'), -1);
    store.put(emptyRecord('bb.png'));
    assert.deepEqual(store.names(), ['a.png', 'b.png', 'bb.png', 'c.png', 'd.png']);
    await store.save();
    const saved = (await fs.readFile(file, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l).file_name);
    assert.deepEqual(saved, ['a.png', 'b.png', 'bb.png', 'c.png', 'd.png']);
    assert.equal(store.get('d.png')!.alt!.text, 'alt of d.png');
    store.close();
  });
});

test('writes made while a save streams stay unsaved and held; what was written is read back from the file', async () => {
  const names = Array.from({ length: 3000 }, (_, i) => `img-${String(i).padStart(5, '0')}.png`);
  await withManifest(names.map((n) => line(n, { ssc: { text: `caption of ${n} `.repeat(20), by: 'model', review: null } })).join('\n') + '\n', async (dir, file) => {
    const store = await ManifestStore.open(dir);
    store.writeHumanCaption(names[0]!, 'ssc', 'first, before the save');
    const saving = store.save();
    // The save is under way (it awaits its writes): these land in memory, after the snapshot it writes.
    store.writeHumanCaption(names[1]!, 'ssc', 'second, during the save');
    store.put(emptyRecord('new-during-save.png'));
    await saving;
    assert.equal(store.isDirty, true);
    const onDisk = await ManifestStore.open(dir);
    assert.equal(onDisk.get(names[0]!)!.ssc!.text, 'first, before the save');
    assert.equal(onDisk.get(names[1]!)!.ssc!.by, 'model');
    assert.equal(onDisk.get('new-during-save.png'), undefined);
    onDisk.close();
    assert.equal(store.get(names[1]!)!.ssc!.text, 'second, during the save');
    assert.equal(store.get('new-during-save.png')!.file_name, 'new-during-save.png');
    assert.equal(store.get(names[2999]!)!.ssc!.text.startsWith('caption of img-02999'), true);
    await store.save();
    const again = await ManifestStore.open(dir);
    assert.equal(again.get(names[1]!)!.ssc!.text, 'second, during the save');
    assert.equal(again.size, 3001);
    assert.equal(again.serialize(), await fs.readFile(file, 'utf8'));
    again.close();
    store.close();
  });
});

test('a manifest written in place while open is refused, never read at stale offsets; a rename over it is not', async () => {
  await withManifest([line('a.png'), line('b.png')].join('\n') + '\n', async (dir, file) => {
    const store = await ManifestStore.open(dir);
    // A teammate's tool replaces the file (temp + rename): the open store still reads the version it indexed.
    const tmp = path.join(dir, 'tmp');
    await fs.writeFile(tmp, [line('b.png', { error: 'theirs' })].join('\n') + '\n');
    await fs.rename(tmp, file);
    assert.equal(store.get('b.png')!.error, null);
    store.close();

    const second = await ManifestStore.open(dir);
    await fs.appendFile(file, line('c.png') + '\n');
    assert.throws(() => second.get('b.png'), ManifestChangedError);
    assert.throws(() => [...second.records()], ManifestChangedError);
    second.close();
  });
});

test('a line of 50 MB is a problem line, kept byte for byte, not a crash', async () => {
  const huge = `{"file_name":"huge.png","note":"${'x'.repeat(50 << 20)}"}`;
  await withManifest([line('a.png'), huge, line('b.png')].join('\n') + '\n', async (dir, file) => {
    const store = await ManifestStore.open(dir);
    assert.deepEqual(store.names(), ['a.png', 'b.png']);
    assert.equal(store.problems.length, 1);
    assert.equal(store.problems[0]!.line, 2);
    assert.match(store.problems[0]!.message, /50 MB/);
    assert.equal(store.problems[0]!.fileName, 'huge.png');
    store.setError('b.png', 'e');
    await store.save();
    const out = (await fs.readFile(file, 'utf8')).split('\n');
    assert.equal(out[1], huge);
    store.close();
  });
});

const CAPTIONS = ['a red kite over the sea', 'Two dogs, one café', 'text "quoted" here', 'tab\there', 'ÉCOLE sign', 'line\nbreak'];

function randomManifest(count: number, seed: number): string {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const caption = () => (random() < 0.2 ? null : { text: `${pick(CAPTIONS)} ${Math.floor(random() * 50)}`, by: pick(['model', 'human', 'import', 'upsample'] as const), review: pick([null, null, 'approved', 'rejected'] as const) });
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const record: ManifestRecord = { ...emptyRecord(`dir/${String(i).padStart(4, '0')}-${pick(['kite', 'dog', 'sign'])}.png`), ssc: caption(), dsc: caption(), error: random() < 0.1 ? 'bad' : null };
    if (random() < 0.5) record.alt = { text: pick(CAPTIONS), source: 'sidecar' };
    // Half the lines spell accents as escapes, as other JSON writers do: a search must still find them.
    const json = JSON.stringify(record);
    lines.push(random() < 0.5 ? json.replace(/é/g, '\\u00e9').replace(/É/g, '\\u00c9') : json);
  }
  return lines.join('\n') + '\n';
}

test('filters, counts and text search from the index agree with filtering every parsed record', async () => {
  const random = seededRandom(7);
  await withManifest(randomManifest(600, 3), async (dir) => {
    const store = await ManifestStore.open(dir);
    const all = [...store.records()];
    assert.deepEqual(store.counts(), countRecords(all));
    const texts = ['café', 'CAFÉ', 'école', '"quoted"', 'kite', 'tab\t', 'line\nbreak', '\\', 'dog 1', '^two', 'sea \\d+$'];
    for (let i = 0; i < 300; i++) {
      const query: RecordQuery = {
        ...EMPTY_QUERY,
        review: (['any', 'unreviewed', 'approved', 'rejected'] as const)[Math.floor(random() * 4)]!,
        author: (['any', 'none', 'model', 'human'] as const)[Math.floor(random() * 4)]!,
        field: (['any', 'ssc', 'dsc', 'alt'] as const)[Math.floor(random() * 4)]!,
        error: [null, true, false][Math.floor(random() * 3)]!,
        minLength: random() < 0.2 ? 20 : null,
        text: random() < 0.7 ? texts[Math.floor(random() * texts.length)]! : '',
        regex: random() < 0.3,
        caseSensitive: random() < 0.5,
      };
      let matches: (record: ManifestRecord) => boolean;
      try {
        matches = compileQuery(query);
      } catch {
        assert.throws(() => store.matchPositions(query), /invalid regular expression/);
        continue;
      }
      const expected = all.flatMap((r, p) => (matches(r) ? [p] : []));
      assert.deepEqual([...store.matchPositions(query)], expected, JSON.stringify(query));
    }
    for (let p = 0; p < all.length; p += 37) assert.deepEqual(store.factsAt(p), factsOf(all[p]!));
    store.close();
  });
});

test('a search sees records given as overrides instead of the stored ones', async () => {
  await withManifest([line('a.png'), line('b.png')].join('\n') + '\n', async (dir) => {
    const store = await ManifestStore.open(dir);
    const edited = { ...store.get('b.png')!, dsc: { text: 'an unsaved kite', by: 'human' as const, review: null } };
    assert.deepEqual([...store.matchPositions({ ...EMPTY_QUERY, text: 'kite' }, { records: new Map([['b.png', edited]]) })], [1]);
    assert.deepEqual([...store.matchPositions({ ...EMPTY_QUERY, author: 'human' }, { records: new Map([['b.png', edited]]) })], [1]);
    assert.deepEqual([...store.matchPositions({ ...EMPTY_QUERY, text: 'kite' })], []);
    store.close();
  });
});

test('a name on several lines keeps its first; the later lines are problems, kept in place', async () => {
  const dupB = line('b.png', { error: 'second b' });
  const broken = '{"file_name": "x.png", broken';
  const text = [line('b.png'), line('a.png'), dupB, broken, line('c.png'), line('a.png', { error: 'second a' })].join('\n') + '\n';
  await withManifest(text, async (dir, file) => {
    const indexed = await ManifestStore.open(dir);
    // The streaming parser (a Set of the names seen) and the index (duplicates found after sorting) agree.
    const parsed = parseManifest(text);
    assert.deepEqual(indexed.names(), ['a.png', 'b.png', 'c.png']);
    assert.equal(indexed.get('b.png')!.error, null);
    assert.equal(indexed.get('a.png')!.error, null);
    assert.deepEqual(
      indexed.problems.map((p) => [p.line, p.message, p.after]),
      parsed.problems.map((p) => [p.line, p.message, p.after]),
    );
    indexed.setError('c.png', 'edited');
    await indexed.save();
    const expected = serializeManifest(
      parsed.records.map((r) => (r.file_name === 'c.png' ? { ...r, error: 'edited' } : r)),
      parsed.problems,
    );
    assert.equal(await fs.readFile(file, 'utf8'), expected);
    indexed.close();
  });
});
