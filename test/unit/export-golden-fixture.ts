// Generated datasets and export set-ups whose every output byte is pinned (export-golden.test.ts): the golden
// hashes were made by the export as it was before it streamed the manifest, and every change since must
// give the same files. Uses only what the export's public surface has always had (exportFineTuneSet, a
// store), so the same fixture makes the golden from an older tree.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { serializeRecord } from '../../src/core/dataset/manifest-codec.js';
import { exportFineTuneSet, type ExportOptions } from '../../src/core/export/index.js';
import { emptyRecord, type Caption, type ManifestRecord } from '../../src/shared/record.js';
import { readTree, tempDir, writeImage } from './export-fixture.js';

/** How a dataset's manifest file is laid out (the records are the same). */
export type ManifestLayout = 'sorted' | 'unsorted' | 'crlf-blank-lines';

const AT = '2026-01-01T00:00:00.000Z';

function caption(text: string, i: number, review: Caption['review']): Caption {
  return { text, by: i % 11 === 0 ? 'human' : 'model', at: AT, review, model: 'golden-model', ...(i % 3 === 0 ? { score: ((i % 17) - 8) / 10 } : {}) };
}

const REVIEWS: Caption['review'][] = ['approved', 'approved', null, 'rejected', 'approved'];

/** 64-bit perceptual hash text with `bits` flipped from `base`. */
function flipped(base: bigint, bits: number[]): string {
  let value = base;
  for (const bit of bits) value ^= 1n << BigInt(63 - bit);
  return value.toString(16).padStart(16, '0');
}

interface Entry {
  record: ManifestRecord;
  /** An image file is written for it. */
  file: boolean;
}

/** The main dataset: varied names, captions, reviews, errors, missing and stale images, and duplicate groups. */
function mainEntries(): Entry[] {
  const entries: Entry[] = [];
  const folders = ['a', 'b/sub', 'ü folder', 'c'];
  for (let i = 0; i < 96; i++) {
    const folder = folders[i % folders.length]!;
    const ext = i % 5 === 0 ? 'jpg' : 'png';
    const fileName = `${folder}/img ${String(i).padStart(3, '0')}.${ext}`;
    const record: ManifestRecord = { ...emptyRecord(fileName), width: 4, height: 4, sha256: createHash('sha256').update(`golden ${i}`).digest('hex') };
    if (i % 4 !== 1) record.alt = { text: i % 9 === 0 ? `alt ${i} with a\nline break` : `alt text ${i}`, source: 'sidecar' };
    if (i % 7 !== 3) record.ssc = caption(i % 13 === 0 ? `short ${i}\u0007 bell` : `short caption ${i}`, i, REVIEWS[i % REVIEWS.length]!);
    if (i % 8 !== 5) record.dsc = caption(i % 10 === 0 ? '   ' : `A detailed description of image ${i}, with "quotes" and é.`, i, REVIEWS[(i + 2) % REVIEWS.length]!);
    if (i % 19 === 4) record.error = 'decode failed';
    if (i % 23 === 6) record.missing = true;
    if (i % 29 === 7) record.stale = true;
    if (i % 6 === 2) record.phash = flipped((0x0123456789abcdefn * BigInt(i + 1)) & 0xffffffffffffffffn, []);
    entries.push({ record, file: !record.missing && i % 31 !== 8 });
  }
  // Exact duplicates (one sha256), and near ones (perceptual hashes a few bits apart) across folders.
  const sha = entries[14]!.record.sha256;
  for (const k of [17, 22]) entries[k]!.record.sha256 = sha;
  const base = 0xfedcba9876543210n;
  entries[12]!.record.phash = flipped(base, []);
  entries[47]!.record.phash = flipped(base, [3, 40]);
  entries[78]!.record.phash = flipped(base, [3, 40, 60]);
  entries[20]!.record.phash = flipped(base, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  // Names beside each other that fold to one on macOS and Windows, and a sidecar clash (same stem).
  entries.push({ record: { ...emptyRecord('c/Case.png'), dsc: caption('upper case', 2, 'approved'), ssc: caption('upper', 2, 'approved') }, file: true });
  entries.push({ record: { ...emptyRecord('c/case.png'), dsc: caption('lower case', 4, 'approved'), ssc: caption('lower', 4, 'approved') }, file: true });
  entries.push({ record: { ...emptyRecord('c/case.jpg'), dsc: caption('same stem', 6, 'approved'), ssc: caption('stem', 6, 'approved') }, file: true });
  // Links out of the dataset: a file, and a folder.
  entries.push({ record: { ...emptyRecord('a/link out.png'), dsc: caption('a link', 8, 'approved'), ssc: caption('link', 8, 'approved') }, file: false });
  entries.push({ record: { ...emptyRecord('outdir/inside.png'), dsc: caption('in a linked folder', 8, 'approved'), ssc: caption('linked', 8, 'approved') }, file: false });
  return entries;
}

/**
 * A dataset whose groups merge late: a and b are 6 bits apart (two groups at distance 4) until c, 3 bits from
 * each, joins them; b was judged as the first of its own group before c came.
 */
function mergingEntries(): Entry[] {
  const base = 0x0f0f0f0f0f0f0f0fn;
  const phashes: Record<string, string> = { 'm/a.png': flipped(base, []), 'm/b.png': flipped(base, [1, 2, 3, 4, 5, 6]), 'm/c.png': flipped(base, [1, 2, 3]) };
  const entries: Entry[] = [];
  for (let i = 0; i < 24; i++) {
    const names = ['m/a.png', 'm/b.png', 'm/c.png'];
    const fileName = i < 3 ? names[i]! : `m/z${String(i).padStart(2, '0')}.png`;
    const record: ManifestRecord = { ...emptyRecord(fileName), width: 4, height: 4, sha256: createHash('sha256').update(`merge ${i}`).digest('hex') };
    record.alt = { text: `alt ${i}`, source: 'sidecar' };
    record.ssc = caption(`short ${i}`, i, 'approved');
    record.dsc = caption(`long ${i}`, i, 'approved');
    if (phashes[fileName]) record.phash = phashes[fileName];
    // b's twin: b and it form a group of their own until c joins b's group to a's.
    if (i === 5) record.phash = phashes['m/b.png'];
    entries.push({ record, file: true });
  }
  return entries.sort((x, y) => (x.record.file_name < y.record.file_name ? -1 : 1));
}

const PROBLEM_LINES = ['{"file_name": "broken.png", "width": ', '{"file_name": "../escape.png"}'];

function manifestText(entries: Entry[], layout: ManifestLayout): string {
  const lines = entries.map((e) => serializeRecord(e.record));
  // A problem line after the third record, and a second line for the fifth record's name (the first wins).
  lines.splice(3, 0, PROBLEM_LINES[0]!);
  lines.splice(6, 0, PROBLEM_LINES[1]!, serializeRecord({ ...entries[4]!.record, dsc: caption('a later line of the same name', 1, 'approved') }));
  if (layout === 'unsorted') {
    // Records out of name order (the problem lines stay after the records they follow).
    const [first, second] = [lines[0]!, lines[1]!];
    lines[0] = lines[lines.length - 1]!;
    lines[lines.length - 1] = first;
    lines[1] = lines[lines.length - 2]!;
    lines[lines.length - 2] = second;
  }
  if (layout === 'crlf-blank-lines') return lines.join('\r\n').replace(PROBLEM_LINES[0]!, `\r\n${PROBLEM_LINES[0]}`);
  return lines.join('\n') + '\n';
}

/** Makes a dataset (folder named golden-<kind>, so the card reads the same) in a fresh temp folder. */
export async function makeGoldenDataset(kind: 'main' | 'merging', layout: ManifestLayout): Promise<string> {
  const parent = await tempDir('golden');
  const folder = path.join(parent, `golden-${kind}`);
  await fs.mkdir(folder);
  const entries = (kind === 'main' ? mainEntries() : mergingEntries()).sort((x, y) => (x.record.file_name < y.record.file_name ? -1 : x.record.file_name > y.record.file_name ? 1 : 0));
  let index = 0;
  for (const entry of entries) if (entry.file) await writeImage(path.join(folder, ...entry.record.file_name.split('/')), index++);
  if (kind === 'main') {
    const outside = path.join(parent, 'outside');
    await writeImage(path.join(outside, 'inside.png'), 500);
    await fs.symlink(path.join(outside, 'inside.png'), path.join(folder, 'a', 'link out.png'));
    await fs.symlink(outside, path.join(folder, 'outdir'));
  }
  await fs.writeFile(path.join(folder, 'recaption.jsonl'), manifestText(entries, layout));
  return folder;
}

/** One export of the golden set: its name and its options. */
export interface GoldenSetup {
  name: string;
  dataset: 'main' | 'merging';
  options: Omit<ExportOptions, 'store' | 'out'>;
}

export const GOLDEN_SETUPS: readonly GoldenSetup[] = [
  ...(['hf', 'openai', 'llava', 'webdataset', 'parquet', 'sidecar'] as const).flatMap((format): GoldenSetup[] => [
    { name: `${format}-none-t2i`, dataset: 'main', options: { profile: 't2i', format, images: 'none', select: 'unrejected', ratio: 0.6, seed: 7, validation: 0.3 } },
    { name: `${format}-copy-dsc`, dataset: 'main', options: { profile: 'dsc', format, images: 'copy', select: 'approved', seed: 3, validation: 0.25, shardSize: 7, dedup: true } },
  ]),
  { name: 'hf-link-ssc', dataset: 'main', options: { profile: 'ssc', format: 'hf', images: 'link', select: 'unrejected', validation: 0.2 } },
  { name: 'sidecar-lines', dataset: 'main', options: { profile: 'dsc', format: 'sidecar', images: 'none', select: 'unrejected', lines: ['alt', 'ssc', 'dsc'], validation: 0.4, license: 'cc-by-4.0' } },
  { name: 'openai-only', dataset: 'main', options: { profile: 'ssc', format: 'openai', images: 'none', select: 'unrejected', only: new Set(['a/img 004.png', 'b/sub/img 005.jpg', 'c/img 007.png', 'c/case.png']), prompt: 'Say it.' } },
  { name: 'hf-near-0', dataset: 'main', options: { profile: 'dsc', format: 'hf', images: 'none', select: 'unrejected', nearDistance: 0, dedup: true, validation: 0.5 } },
  { name: 'merging-hf', dataset: 'merging', options: { profile: 'dsc', format: 'hf', images: 'none', validation: 0.5, seed: 2 } },
  { name: 'merging-dedup', dataset: 'merging', options: { profile: 't2i', format: 'webdataset', images: 'none', dedup: true, validation: 0.5, seed: 5 } },
];

/** Every file of an export by relative path → sha256, with what names the run's folders and time left out. */
export async function exportHashes(out: string, dataset: string): Promise<Record<string, string>> {
  const hashes: Record<string, string> = {};
  const real = await fs.realpath(dataset);
  const files = await readTree(out);
  let createdAt: string | null = null;
  const exportJson = files.get('export.json');
  if (exportJson) createdAt = (JSON.parse(exportJson.toString('utf8')) as { created_at: string }).created_at;
  for (const [rel, bytes] of [...files].sort((x, y) => (x[0] < y[0] ? -1 : 1))) {
    let content: Buffer | string = bytes;
    if (rel === 'export.json' || rel === 'README.md') {
      let text = bytes.toString('utf8').split(real).join('<dataset>').split(dataset).join('<dataset>');
      if (createdAt) text = text.split(createdAt).join('<created_at>');
      text = text.replace(/"settings_sha256": "[0-9a-f]{64}"/, '"settings_sha256": "<fingerprint>"');
      content = text;
    }
    hashes[rel] = createHash('sha256').update(content).digest('hex');
  }
  return hashes;
}

/** One hash of a whole export (its files' names and hashes), and how many files it has. */
export function treeDigest(hashes: Record<string, string>): { files: number; sha256: string } {
  const hash = createHash('sha256');
  for (const [rel, sha] of Object.entries(hashes)) hash.update(`${rel}\0${sha}\n`);
  return { files: Object.keys(hashes).length, sha256: hash.digest('hex') };
}

/** Runs every golden set-up against `manifest` (the export's store option for a dataset folder); hashes by set-up. */
export async function goldenRun(layout: ManifestLayout, manifestOf: (folder: string) => Promise<ExportOptions['store']>): Promise<Record<string, Record<string, string>>> {
  const datasets = { main: await makeGoldenDataset('main', layout), merging: await makeGoldenDataset('merging', layout) };
  const out = await tempDir('golden-out');
  const result: Record<string, Record<string, string>> = {};
  for (const setup of GOLDEN_SETUPS) {
    const folder = datasets[setup.dataset];
    const target = path.join(out, setup.name);
    await exportFineTuneSet({ ...setup.options, store: await manifestOf(folder), out: target });
    result[setup.name] = await exportHashes(target, folder);
  }
  for (const folder of [path.dirname(datasets.main), path.dirname(datasets.merging), out]) await fs.rm(folder, { recursive: true, force: true });
  return result;
}
