// `recaption stats` reads its manifest in ranges on several threads and joins the parts: the report and the
// bad lines must be exactly those of reading the file line by line in one thread (streamManifestFile and
// the counters), whatever the ranges, on a manifest with every kind of line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { streamStatsReport } from '../../src/core/analysis/stats-report.js';
import { statsPass } from '../../src/core/analysis/stats-pass.js';
import { foldStats } from '../../src/core/analysis/stats-fold.js';
import { AuditTally } from '../../src/core/analysis/audit.js';
import { streamManifestFile } from '../../src/core/dataset/manifest-stream.js';
import { StatsCounter } from '../../src/core/dataset/stats.js';
import { DefectCounter } from '../../src/core/dataset/defect-counter.js';
import { MAX_LINE_BYTES } from '../../src/core/dataset/manifest-codec.js';
import { CAPTION_AUTHORS, CAPTION_KINDS, MANIFEST_NAME } from '../../src/shared/record.js';
import { DEFECT_FLAGS } from '../../src/shared/defect-flags.js';
import { makeTempDir, removeDir } from '../support/temp-dataset.js';

/** A small seeded generator: the same manifest on every run. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 2 ** 32;
  };
}

const CAPTIONS = [
  'a red barn in a field',
  'The image shows a red barn in a green field under a blue sky.',
  'A dog runs on the beach. The overall mood is joyful and calm.',
  'a cat on a sofa a cat on a sofa a cat on a sofa',
  'Ein Hund läuft über die Straße, während die Sonne untergeht.',
  'This is a photo of a lighthouse at dusk, waves breaking on the rocks below it.',
  'In this picture, we can see two children flying a kite on a windy hill.',
  'Bright   lights\tof a city  at night,  seen from a bridge — « busy » streets.',
  Array.from({ length: 300 }, (_, i) => `word${i % 37}`).join(' '),
  'zebra',
  '',
  'The image shows ',
  'Sunset over water! The atmosphere is warm. "The scene evokes calm."',
];

function caption(rnd: () => number, kind: string): Record<string, unknown> | null {
  if (rnd() < 0.15) return null;
  const c: Record<string, unknown> = {
    text: CAPTIONS[Math.floor(rnd() * CAPTIONS.length)]!,
    by: CAPTION_AUTHORS[Math.floor(rnd() * CAPTION_AUTHORS.length)]!,
    review: [null, 'approved', 'rejected'][Math.floor(rnd() * 3)],
  };
  if (rnd() < 0.1) c.finish = 'length';
  if (rnd() < 0.5) c.score = Math.round(rnd() * 100) / 100 - (kind === 'ssc' ? 0.2 : 0);
  if (rnd() < 0.1) delete c.review;
  return c;
}

/** A manifest with every kind of record and of bad line, as text lines (no line ends). */
function manifestLines(n: number): string[] {
  const rnd = random(26);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const r: Record<string, unknown> = { file_name: `img/${String(i).padStart(5, '0')}.jpg`, width: 64, height: 48, sha256: null };
    r.alt = rnd() < 0.7 ? { text: CAPTIONS[Math.floor(rnd() * CAPTIONS.length)]!, source: 'sidecar', ...(rnd() < 0.5 ? { score: 0.3 } : {}) } : null;
    for (const kind of CAPTION_KINDS) r[kind] = caption(rnd, kind);
    r.error = rnd() < 0.05 ? (rnd() < 0.5 ? 'decode failed' : '') : null;
    if (rnd() < 0.05) r.missing = true;
    if (rnd() < 0.05) r.stale = true;
    if (rnd() < 0.2) r.audit = rnd() < 0.9;
    if (rnd() < 0.02) r.extra = { nested: [1, 2, { deep: true }] };
    lines.push(JSON.stringify(r));
  }
  const bad = [
    '{not json',
    '[1, 2, 3]',
    '{"file_name": 5}',
    '{"file_name": "../escape.jpg"}',
    '{"file_name": "x.jpg", "ssc": {"text": "a", "by": "robot"}}',
    '{"file_name": "y.jpg", "dsc": {"text": "a", "by": "model", "review": "maybe"}}',
    `{"file_name": "deep.jpg", "extra": ${'['.repeat(70)}${']'.repeat(70)}}`,
    '\uFEFF{"file_name": "bom-in-the-middle.jpg"}',
    '',
    '   ',
  ];
  for (const [k, line] of bad.entries()) lines.splice(Math.floor((k + 1) * (lines.length / (bad.length + 1))), 0, line);
  // Duplicates: one next to its first line, one far from it (another thread's range), one twice.
  lines.splice(12, 0, lines[11]!);
  lines.push(lines[3]!, lines[200]!, lines[200]!);
  // Line ends in "\r\n" here and there.
  for (let i = 5; i < lines.length; i += 97) lines[i] += '\r';
  return lines;
}

/** The report as `stats` made it before it was split over threads: one thread, line by line. */
async function plainReport(file: string) {
  const counter = new StatsCounter();
  const defects = new DefectCounter();
  const audit = new AuditTally();
  const { problems } = await streamManifestFile(file, (r) => {
    counter.add(r);
    audit.add(r);
    if (!r.missing) defects.add(r);
  });
  const summary = defects.summary();
  return {
    report: { ...counter.result(problems.length), flagged: summary.flagged, flags: summary.counts, audit: audit.result() },
    problems: problems.map((p) => ({ line: p.line, message: p.message })),
  };
}

async function withFile(text: string, run: (file: string) => Promise<void>): Promise<void> {
  const dir = await makeTempDir();
  try {
    const file = path.join(dir, MANIFEST_NAME);
    await fs.writeFile(file, text);
    await run(file);
  } finally {
    await removeDir(dir);
  }
}

const lineOf = ({ line, message }: { line: number; message: string }) => ({ line, message });

test('threads over ranges give the report and bad lines of one line-by-line read, with and without flags', async () => {
  const text = '\uFEFF' + manifestLines(3000).join('\n') + '\n';
  await withFile(text, async (file) => {
    const plain = await plainReport(file);
    // The manifest exercises what it should: every flag, every author and review, bad and duplicate lines.
    for (const flag of DEFECT_FLAGS) assert.ok(plain.report.flags[flag] > 0, `some record is flagged ${flag}`);
    for (const kind of CAPTION_KINDS) {
      const c = plain.report[kind];
      for (const n of [c.byModel, c.byHuman, c.byImport, c.byUpsample, c.approved, c.rejected]) assert.ok(n > 0);
    }
    assert.ok(plain.report.missing > 0 && plain.report.stale > 0 && plain.report.errors > 0 && plain.report.audit.sampled > 0);
    assert.equal(plain.problems.filter((p) => p.message.startsWith('duplicate')).length, 4);
    assert.equal(plain.report.malformedLines, 12);

    for (const threads of [1, 3]) {
      const split = await streamStatsReport(file, { threads, minRangeBytes: 20_000 });
      assert.deepEqual(split.report, plain.report, `${threads} thread(s)`);
      assert.deepEqual(split.problems.map(lineOf), plain.problems);
      const { report, problems } = await streamStatsReport(file, { threads, minRangeBytes: 20_000, flags: false });
      const { flagged: _flagged, flags: _flags, ...counts } = plain.report;
      assert.deepEqual(report, counts, 'without flags: the same counts, and no flag fields');
      assert.deepEqual(problems.map(lineOf), plain.problems);
    }
  });
});

test('a line longer than the limit across many ranges, at the end of a file without a last line end', async () => {
  const lines = manifestLines(200);
  const huge = `{"file_name": "huge.jpg", "alt": {"text": "${'x'.repeat(MAX_LINE_BYTES + 10)}", "source": "sidecar"}}`;
  lines.splice(100, 0, huge);
  await withFile(lines.join('\n'), async (file) => {
    const plain = await plainReport(file);
    assert.ok(plain.problems.some((p) => p.line === 101 && p.message.includes('MB')));
    const split = await streamStatsReport(file, { threads: 2, minRangeBytes: 1 << 20 });
    assert.deepEqual(split.report, plain.report);
    assert.deepEqual(split.problems.map(lineOf), plain.problems);
  });
});

test('names whose hashes meet are compared in full: only equal names are duplicates', async () => {
  const lines = manifestLines(50).slice(0, 40);
  await withFile(lines.join('\n') + '\n', async (file) => {
    const size = (await fs.stat(file)).size;
    const part = await statsPass(file, { start: 0, end: size }, true);
    const plain = await foldStats(file, [part], true);
    // Two different names made to share a hash, as two of a million names might.
    part.nameHash[7] = part.nameHash[3]!;
    const collided = await foldStats(file, [part], true);
    assert.deepEqual(collided, plain);
  });
});
