// The dataset card every export writes: the YAML header the Hub reads, a body that reports the export and
// the manifest's habits, caption text escaped, plots as PNG, files never overwritten, facts in one pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { parse } from 'yaml';
import {
  CARD_FOLDER,
  LENGTH_PLOT,
  cardFactsOf,
  datasetCard,
  licenseProblem,
  sizeCategory,
  writeDatasetCard,
  type DatasetCardInput,
} from '../../src/core/export/dataset-card.js';
import { markdownText } from '../../src/core/export/card/markdown-text.js';
import type { ExportRecord } from '../../src/core/export/types.js';
import { wilsonInterval } from '../../src/core/analysis/audit.js';
import { emptyRecord, type Caption, type ManifestRecord, type ReviewState } from '../../src/shared/record.js';
import { tempDir } from './export-fixture.js';

const SHA = '0123456789abcdef'.repeat(4);

function exportRecord(over: Partial<ExportRecord> = {}): ExportRecord {
  return {
    tool: 'recaption',
    record_version: 1,
    created_at: '2026-12-02T17:00:00.000Z',
    dataset: '/home/someone/data/cats',
    manifest: 'recaption.jsonl',
    manifest_sha256: SHA,
    manifest_problems: 0,
    profile: 't2i',
    format: 'parquet',
    ratio: 0.95,
    seed: 7,
    validation: 0.05,
    select: 'approved',
    images: 'copy',
    shard_size: null,
    shard_bytes: 500 * 2 ** 20,
    lines: null,
    license: null,
    prompt: null,
    duplicate_groups: 2,
    near_distance: 4,
    dedup: true,
    only: null,
    counts: { train: 1900, validation: 100, total: 2000 },
    caption_sources: { train: { dsc: 1805, alt: 95 }, validation: { dsc: 96, alt: 4 } },
    alt_fallback: 3,
    skipped: { 'not-approved': 5, duplicate: 2 },
    skipped_total: 7,
    skipped_examples: { 'not-approved': ['cats/a.jpg', 'cats/b.jpg'], duplicate: ['cats/c.jpg'] },
    image_root: 'inside the shards',
    notes: [],
    outputs: [],
    follow_external_links: false,
    card_sample: 100_000,
    settings_sha256: SHA,
    ...over,
  };
}

const caption = (text: string, review: ReviewState, by: Caption['by'] = 'model'): Caption => ({ text, by, review });

function rec(name: string, o: { alt?: string; ssc?: Caption | null; dsc?: Caption | null; audit?: boolean; missing?: boolean } = {}): ManifestRecord {
  return {
    ...emptyRecord(name),
    alt: o.alt === undefined ? null : { text: o.alt, source: 'sidecar' },
    ssc: o.ssc ?? null,
    dsc: o.dsc ?? null,
    ...(o.audit ? { audit: true } : {}),
    ...(o.missing ? { missing: true } : {}),
  };
}

const SAMPLE: ManifestRecord[] = [
  rec('a.jpg', { alt: 'a tabby on a sofa', ssc: caption('a cat', 'approved'), dsc: caption('The image shows a cat on a sofa.', 'approved') }),
  rec('b.jpg', { alt: 'dog in the park', ssc: caption('a dog', null, 'human'), dsc: caption('The image shows a dog in a park.', 'rejected') }),
  rec('c.jpg', { ssc: caption('a bird', 'rejected'), dsc: caption('The image shows a bird on a wire.', null) }),
];

async function input(over: Partial<DatasetCardInput> = {}, records: ManifestRecord[] = SAMPLE): Promise<DatasetCardInput> {
  return {
    record: exportRecord(),
    dataFiles: [
      { split: 'train', pattern: 'data/train-*' },
      { split: 'validation', pattern: 'data/validation-*' },
    ],
    features: [
      { name: 'image', dtype: 'image' },
      { name: 'text', dtype: 'string' },
      { name: 'score', dtype: 'float32' },
    ],
    ...(await cardFactsOf(records)),
    recaptionVersion: '0.1.0',
    ...over,
  };
}

/** The YAML between the card's opening fences, parsed; and the body after them. */
function split(markdown: string): { header: Record<string, unknown>; body: string } {
  const match = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(markdown);
  assert.ok(match, 'the card opens with a --- fenced YAML header');
  return { header: parse(match[1]!) as Record<string, unknown>, body: match[2]! };
}

test('the YAML header carries every field the Hub reads, as the input says', async () => {
  const { header } = split(datasetCard(await input({ license: 'cc-by-4.0', title: 'Cats: recaptioned' })).markdown);
  assert.deepEqual(header, {
    license: 'cc-by-4.0',
    pretty_name: 'Cats: recaptioned',
    task_categories: ['text-to-image'],
    tags: ['recaption', 'synthetic-captions'],
    size_categories: ['1K<n<10K'],
    configs: [
      {
        config_name: 'default',
        data_files: [
          { split: 'train', path: 'data/train-*' },
          { split: 'validation', path: 'data/validation-*' },
        ],
      },
    ],
    dataset_info: {
      features: [
        { name: 'image', dtype: 'image' },
        { name: 'text', dtype: 'string' },
        { name: 'score', dtype: 'float32' },
      ],
      splits: [
        { name: 'train', num_examples: 1900 },
        { name: 'validation', num_examples: 100 },
      ],
    },
  });
});

test('the header follows the profile, leaves out what is not set and splits without examples', async () => {
  const captioner = split(datasetCard(await input({ record: exportRecord({ profile: 'dsc', ratio: null, counts: { train: 12, validation: 0, total: 12 }, caption_sources: { train: { dsc: 12 }, validation: {} } }) })).markdown).header;
  assert.deepEqual(captioner.task_categories, ['image-to-text']);
  assert.equal('license' in captioner, false, 'no license unless the user set one');
  assert.equal('pretty_name' in captioner, false);
  assert.equal('pretty_name' in split(datasetCard(await input({ title: ' \n ' })).markdown).header, false, 'a blank title is no name');
  assert.deepEqual(captioner.size_categories, ['n<1K']);
  // A data_files pattern that matches nothing fails to load on the Hub: an empty split is left out.
  assert.deepEqual(captioner.configs, [{ config_name: 'default', data_files: [{ split: 'train', path: 'data/train-*' }] }]);
  assert.deepEqual((captioner.dataset_info as { splits: unknown }).splits, [{ name: 'train', num_examples: 12 }]);
  assert.deepEqual(split(datasetCard(await input({ record: exportRecord({ profile: 'ssc', ratio: null }) })).markdown).header.task_categories, ['image-to-text']);

  const chat = split(datasetCard(await input({ record: exportRecord({ format: 'llava' }), dataFiles: null, features: null })).markdown).header;
  assert.equal('configs' in chat, false);
  assert.equal('dataset_info' in chat, false);
  // export.json's license is the user's too.
  assert.equal(split(datasetCard(await input({ record: exportRecord({ license: 'mit' }) })).markdown).header.license, 'mit');
});

test('size categories are the Hub buckets', () => {
  assert.equal(sizeCategory(0), 'n<1K');
  assert.equal(sizeCategory(999), 'n<1K');
  assert.equal(sizeCategory(1000), '1K<n<10K');
  assert.equal(sizeCategory(99_999), '10K<n<100K');
  assert.equal(sizeCategory(1_000_000), '1M<n<10M');
  assert.equal(sizeCategory(5e11), '100B<n<1T');
  assert.equal(sizeCategory(2e12), 'n>1T');
});

test('a title cannot break out of the header', async () => {
  const title = 'x: y\n---\n# injected\n- [a](b)';
  const { header, body } = split(datasetCard(await input({ title })).markdown);
  assert.equal(header.pretty_name, 'x: y --- # injected - [a](b)');
  assert.deepEqual(header.tags, ['recaption', 'synthetic-captions']);
  assert.ok(body.startsWith('\n# x: y --- &#35; injected - &#91;a&#93;(b)\n'), body.slice(0, 80));
});

test('the body reports how the export was made, its splits, sources, review coverage and provenance', async () => {
  const { body } = split(datasetCard(await input({ license: 'mit' })).markdown);
  for (const row of [
    '| Recaption version | 0.1.0 |',
    '| seed | 7 |',
    '| validation share | 5% of images',
    '| blend ratio | 95% DSC, 5% alt-text |',
    '| selection | `approved`: only captions a person approved |',
    '| license | `mit` |',
    '| train | 1900 | 1805 (95.0%) | 95 (5.0%) |',
    '| validation | 100 | 96 (96.0%) | 4 (4.0%) |',
    '| **total** | **2000** | 1901 (95.0%) | 99 (5.0%) |',
    // SAMPLE: SSC approved, unreviewed by a person, rejected; DSC approved, rejected, unreviewed.
    '| SSC | 3 | 1 (33.3%) | 1 (33.3%) | 1 (33.3%) | 1 (33.3%) |',
    '| DSC | 3 | 1 (33.3%) | 1 (33.3%) | 1 (33.3%) | 0 (0.0%) |',
    '| `not-approved` | caption not approved yet | 5 | cats/a.jpg, cats/b.jpg |',
    '| `duplicate` | another image of its duplicate group went out | 2 | cats/c.jpg |',
  ]) {
    assert.ok(body.includes(row), `missing: ${row}`);
  }
  assert.match(body, /\| split \| images \| DSC \| Alt-text \|/);
  assert.match(body, /follows the DALL-E 3 report/);
  assert.match(body, /3 images drew the alt-text but had none/);
  assert.match(body, /2 duplicate groups found .* One image per group was exported\./);
  assert.match(body, /7 images skipped:/);
  assert.ok(body.includes(`sha256 \`${SHA}\``));
  assert.ok(body.includes('`export.json`'));
  // The same export made twice gives the same card: its time is in export.json only.
  assert.ok(!body.includes('2026-12-02T17:00:00.000Z'));
  assert.ok(!body.includes('/home/someone'), 'the card names the dataset folder, not where it lived');
  assert.ok(body.includes('“cats”'));
  // No audit sample in SAMPLE.
  assert.match(body, /No audit sample was drawn/);

  const captioner = split(datasetCard(await input({ record: exportRecord({ profile: 'ssc', ratio: null, alt_fallback: null }) })).markdown).body;
  assert.ok(!captioner.includes('DALL-E 3'), 'the blend note is for the text-to-image profile only');
  assert.ok(!captioner.includes('blend ratio'));
});

test('the habit section has the side-by-side table, the plot and the phrases', async () => {
  const records = Array.from({ length: 4 }, (_, i) => rec(`${i}.jpg`, { alt: `photo ${i} of a street`, ssc: caption('a street', 'approved'), dsc: caption('The image shows a busy street.', 'approved') }));
  const card = datasetCard(await input({}, records));
  const { body } = split(card.markdown);
  assert.ok(body.includes('| texts | 4 | 4 | 4 |'));
  assert.ok(body.includes('| starts with a/an/the | 0.0% | 100.0% | 100.0% |'));
  assert.ok(body.includes('| ends with a period | 0.0% | 0.0% | 100.0% |'));
  assert.ok(body.includes('| words: median | 5 | 2 | 6 |'));
  assert.ok(body.includes(`![Caption length in words: share of each source's texts per length bin](${LENGTH_PLOT})`));
  assert.ok(body.includes('| SSC | “a street” | 4 | 100.0% |'), 'the repeated SSC');
  assert.ok(body.includes('| DSC | “the image shows” | 4 | 100.0% |'), 'the stock opening');
  assert.deepEqual(card.plots.map((p) => p.file), [LENGTH_PLOT]);
  assert.match(card.plots[0]!.svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
});

test('the audit estimate and its interval are in the body', async () => {
  const records = [
    rec('1.jpg', { dsc: caption('one', 'approved'), audit: true }),
    rec('2.jpg', { dsc: caption('two', 'approved'), audit: true }),
    rec('3.jpg', { dsc: caption('three', 'rejected'), audit: true }),
    rec('4.jpg', { dsc: caption('four', null) }),
  ];
  const { body } = split(datasetCard(await input({}, records)).markdown);
  const { low, high } = wilsonInterval(2, 3);
  const p = (x: number) => `${(x * 100).toFixed(1)}%`;
  assert.ok(body.includes(`- DSC: 2 of 3 sampled accepted (66.7%, 95% interval ${p(low)}–${p(high)}); shipping the 1 unreviewed DSCs, expect ${p(1 - high)}–${p(1 - low)} to be rejected`), body);
  assert.ok(!body.includes('No audit sample'));
});

test('text from the dataset cannot inject markup or break a table', async () => {
  const evil = 'x | y <script>alert(1)</script> `rm -rf` [link](javascript:alert(1)) $x$ **b** http://example.com\nsecond line\r\n| a | b |';
  assert.equal(
    markdownText(evil),
    'x &#124; y &#60;script&#62;alert(1)&#60;/script&#62; &#96;rm -rf&#96; &#91;link&#93;(javascript:alert(1)) &#36;x&#36; &#42;&#42;b&#42;&#42; http&#58;//example.com second line &#124; a &#124; b &#124;',
  );
  assert.equal(markdownText('see www.example.com or me@example.com'), 'see www&#46;example.com or me&#64;example.com');
  assert.equal(markdownText('a\u202eb\u0007c\u2028d'), 'abc d');

  // The same text as a repeated DSC (the "most repeated texts" table), a skipped file name and a title.
  const records = [0, 1].map((i) => rec(`${i}.jpg`, { dsc: caption(evil, 'approved') }));
  const record = exportRecord({ skipped: { 'not-approved': 1 }, skipped_total: 1, skipped_examples: { 'not-approved': [`evil|<b>\n.jpg`] }, notes: ['note with `tick` | pipe'] });
  const card = datasetCard(await input({ record, title: '<img src=x onerror=alert(1)> | `t`' }, records));
  const { body } = split(card.markdown);
  assert.ok(!/<(script|img|b)\b/i.test(body), 'no HTML element from the data');
  assert.ok(!/\]\(javascript/i.test(body), 'no link from the data');
  assert.ok(!/\$x\$/.test(body), 'no formula from the data');
  assert.ok(body.includes('evil&#124;&#60;b&#62; .jpg'));
  assert.ok(body.includes('| DSC | “x &#124; y &#60;script&#62;alert(1)&#60;/script&#62; &#96;rm -rf&#96;'), 'the repeated text is in its table, escaped');
  assert.ok(body.includes('# &#60;img src=x onerror=alert(1)&#62; &#124; &#96;t&#96;'));
  assert.ok(body.includes('- Note: note with &#96;tick&#96; &#124; pipe'));
  // Every table row has as many cells as its header: no pipe from the data ends a cell.
  const cells = (line: string) => line.replace(/\\\|/g, '').split('|').length;
  let header = 0;
  for (const line of body.split('\n')) {
    if (!line.startsWith('|')) {
      header = 0;
      continue;
    }
    if (header === 0) header = cells(line);
    else assert.equal(cells(line), header, line);
  }
  // Backticks in the body come only from the card's own code spans, in pairs on each line.
  for (const line of body.split('\n')) assert.equal((line.match(/`/g) ?? []).length % 2, 0, line);
});

test('licenses: the Hub ids and other are accepted, anything else is refused with a reason', async () => {
  for (const id of ['mit', 'apache-2.0', 'cc-by-4.0', 'cc-by-nc-sa-4.0', 'openrail++', 'unknown', 'other']) assert.equal(licenseProblem(id), null, id);
  assert.match(licenseProblem('MIT')!, /did you mean "mit"/);
  assert.match(licenseProblem('gpl-4.0')!, /not a license id the Hub accepts .*"other"/);
  assert.match(licenseProblem('')!, /empty/);
  assert.match(licenseProblem('mit\nevil: 1')!, /not a license id/);
  await assert.rejects(async () => datasetCard(await input({ license: 'Apache 2' })), /not a license id the Hub accepts/);
  await assert.rejects(async () => datasetCard(await input({ record: exportRecord({ license: 'nope' }) })), /not a license id/);
});

test('the same input gives a byte-identical card', async () => {
  const a = datasetCard(await input({ license: 'mit', title: 'T' }));
  await new Promise((resolve) => setTimeout(resolve, 5));
  const b = datasetCard(await input({ license: 'mit', title: 'T' }));
  assert.equal(a.markdown, b.markdown);
  assert.deepEqual(a.plots, b.plots);
  assert.ok(a.markdown.endsWith('\n') && !a.markdown.endsWith('\n\n'));
  assert.ok(!/ \n/.test(a.markdown), 'no trailing spaces (a hard line break in Markdown)');
});

test('writeDatasetCard writes README.md and PNG plots, and never overwrites', async () => {
  const root = await tempDir('card');
  try {
    const cardInput = await input({ license: 'mit' });
    const names = await writeDatasetCard(root, cardInput);
    assert.deepEqual(names, ['README.md', CARD_FOLDER]);
    assert.equal(await fs.readFile(path.join(root, 'README.md'), 'utf8'), datasetCard(cardInput).markdown);
    const png = path.join(root, ...LENGTH_PLOT.split('/'));
    const meta = await sharp(png).metadata();
    assert.equal(meta.format, 'png');
    assert.ok(meta.width! > 100 && meta.height! > 100, `${meta.width}x${meta.height}`);
    const stats = await sharp(png).stats();
    assert.ok(stats.channels.some((c) => c.min < 128), 'something is drawn on the white background');

    // A second card into the same folder is refused and leaves the first as it was.
    await fs.writeFile(path.join(root, 'README.md'), 'mine\n');
    await assert.rejects(writeDatasetCard(root, cardInput), { code: 'EEXIST' });
    assert.equal(await fs.readFile(path.join(root, 'README.md'), 'utf8'), 'mine\n');
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});

test('writeDatasetCard removes what it created when a plot cannot be written', async () => {
  const root = await tempDir('card');
  try {
    await fs.mkdir(path.join(root, CARD_FOLDER));
    await fs.writeFile(path.join(root, ...LENGTH_PLOT.split('/')), 'someone else’s');
    await assert.rejects(writeDatasetCard(root, await input()), { code: 'EEXIST' });
    await assert.rejects(fs.stat(path.join(root, 'README.md')), { code: 'ENOENT' });
    assert.equal(await fs.readFile(path.join(root, ...LENGTH_PLOT.split('/')), 'utf8'), 'someone else’s');
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});

test('cardFactsOf counts review coverage and the audit in one pass over streamed records', async () => {
  const records = [
    rec('1.jpg', { ssc: caption('a', 'approved'), dsc: caption('A one.', 'approved'), audit: true }),
    rec('2.jpg', { ssc: caption('b', 'approved', 'human'), dsc: caption('A two.', 'rejected'), audit: true }),
    rec('3.jpg', { ssc: caption('c', null), dsc: caption('A three.', null, 'human'), audit: true }),
    rec('4.jpg', { ssc: caption('d', 'rejected'), dsc: null }),
    rec('5.jpg', { ssc: caption('e', null), dsc: caption('A five.', null) }),
    // Missing images count neither in the coverage nor in the audit.
    rec('6.jpg', { ssc: caption('f', 'approved'), dsc: caption('A six.', 'approved'), audit: true, missing: true }),
  ];
  let reads = 0;
  function* stream(): Generator<ManifestRecord> {
    reads++;
    yield* records;
  }
  const iterable = { [Symbol.iterator]: stream };
  const facts = await cardFactsOf(iterable);
  assert.equal(reads, 1, 'one pass');
  assert.equal(facts.habit.records, 6);
  assert.deepEqual(facts.review, {
    ssc: { approved: 2, rejected: 1, unreviewed: 2, human: 1 },
    dsc: { approved: 1, rejected: 1, unreviewed: 2, human: 1 },
  });
  const audit = facts.audit!;
  assert.equal(audit.sampled, 3);
  // Record 3 is not fully reviewed; of 1 and 2, only 1 is accepted in full.
  assert.equal(audit.reviewed, 2);
  assert.equal(audit.accepted, 1);
  assert.deepEqual([audit.dsc.sampled, audit.dsc.reviewed, audit.dsc.accepted, audit.dsc.unreviewed], [3, 2, 1, 1]);
  const interval = wilsonInterval(1, 2);
  assert.equal(audit.dsc.low, interval.low);
  assert.equal(audit.dsc.high, interval.high);

  const unaudited = await cardFactsOf(records.map((r) => ({ ...r, audit: false })));
  assert.equal(unaudited.audit, null, 'no sample, no estimate');
});
