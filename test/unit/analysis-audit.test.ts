// Audit sampling: the draw is seeded and stable, and the acceptance interval is Wilson's (bounds below
// worked out by hand from the formula and checked against published tables).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { AuditDraw, AuditTally, describeAudit, wilsonInterval } from '../../src/core/analysis/audit.js';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { emptyRecord, MANIFEST_NAME, type ManifestRecord, type ReviewState } from '../../src/shared/record.js';
import { makeTempDir, removeDir } from '../support/temp-dataset.js';

const cli = path.resolve(__dirname, '../../src/cli/main.ts');
const tsx = path.resolve(__dirname, '../../node_modules/.bin/tsx');

function rec(name: string, review: ReviewState = null, extra: Partial<ManifestRecord> = {}): ManifestRecord {
  return { ...emptyRecord(name), ssc: { text: 'a cat', by: 'model', review: null }, dsc: { text: 'A cat on a mat.', by: 'model', review }, ...extra };
}

const names = (n: number) => Array.from({ length: n }, (_, i) => `img-${String(i).padStart(3, '0')}.png`);

test('Wilson 95% interval: 45/50, 9/10, 0/10 and 10/10 as published', () => {
  const close = (actual: { low: number; high: number }, low: number, high: number) => {
    assert.ok(Math.abs(actual.low - low) < 5e-5 && Math.abs(actual.high - high) < 5e-5, JSON.stringify(actual));
  };
  close(wilsonInterval(45, 50), 0.7864, 0.9565);
  close(wilsonInterval(9, 10), 0.5958, 0.9821);
  close(wilsonInterval(0, 10), 0, 0.2775);
  close(wilsonInterval(10, 10), 0.7225, 1);
  assert.deepEqual(wilsonInterval(0, 0), { low: 0, high: 1 });
});

test('the draw: seeded, the same for the same seed, only unreviewed images, larger sizes only add', () => {
  // Every 10th image is reviewed (both captions); an image with one caption left to review is a candidate.
  const records = names(200).map((n, i) => {
    const r = rec(n, i % 10 === 0 ? 'approved' : null);
    if (i % 10 === 0) r.ssc!.review = 'rejected';
    return r;
  });
  const draw = (size: number, seed: number, marked: ReadonlySet<string> = new Set()) => {
    const d = new AuditDraw(size, seed);
    for (const r of records) d.add(marked.has(r.file_name) ? { ...r, audit: true } : r);
    return d.toMark();
  };
  const first = draw(12, 7);
  assert.equal(first.length, 12);
  assert.deepEqual(draw(12, 7), first);
  assert.notDeepEqual(draw(12, 8), first);
  // Reviewed records (every 10th) are never drawn.
  assert.ok(first.every((n) => Number(n.slice(4, 7)) % 10 !== 0));
  // Already marked count towards the size; drawing 20 with the same seed adds the next 8 by rank.
  const more = draw(20, 7, new Set(first));
  assert.equal(more.length, 8);
  assert.deepEqual(draw(20, 7).filter((n) => !first.includes(n)), more);
  assert.throws(() => new AuditDraw(0, 1), /at least 1/);
});

test('the tally: a sampled image is accepted when every caption is approved; per kind, each caption counts', () => {
  const tally = new AuditTally();
  // 10 sampled: 9 DSCs approved, 1 rejected; all SSCs approved.
  for (let i = 0; i < 10; i++) {
    const r = rec(`s${i}.png`, i === 0 ? 'rejected' : 'approved', { audit: true });
    r.ssc!.review = 'approved';
    tally.add(r);
  }
  // 40 outside the sample, unreviewed; 5 outside it, reviewed (not "unreviewed").
  for (let i = 0; i < 40; i++) tally.add(rec(`u${i}.png`));
  for (let i = 0; i < 5; i++) tally.add(rec(`r${i}.png`, 'approved'));
  const stats = tally.result();
  assert.equal(stats.sampled, 10);
  assert.equal(stats.reviewed, 10);
  assert.equal(stats.accepted, 9);
  assert.equal(stats.dsc.accepted, 9);
  assert.equal(stats.dsc.unreviewed, 40);
  assert.equal(stats.ssc.accepted, 10);
  assert.ok(Math.abs(stats.dsc.low! - 0.5958) < 5e-5 && Math.abs(stats.dsc.high! - 0.9821) < 5e-5);
  assert.ok(Math.abs(stats.dsc.expectRejected!.low - 0.0179) < 5e-5 && Math.abs(stats.dsc.expectRejected!.high - 0.4042) < 5e-5);
  const text = describeAudit(stats).join('\n');
  assert.match(text, /DSC: 9 of 10 sampled accepted \(90\.0%, 95% interval 59\.6%–98\.2%\); shipping the 40 unreviewed DSCs, expect 1\.8%–40\.4% to be rejected/);
});

test('recaption audit marks the sample in the manifest, again adds nothing, and reports the reviewed sample', async () => {
  const dir = await makeTempDir();
  try {
    await fs.writeFile(path.join(dir, MANIFEST_NAME), names(30).map((n) => JSON.stringify(rec(n))).join('\n') + '\n');
    const run = (...args: string[]) => spawnSync(tsx, [cli, 'audit', dir, ...args], { encoding: 'utf8' });
    const drawn = run('--sample', '10', '--seed', '3');
    assert.equal(drawn.status, 0, drawn.stderr);
    assert.match(drawn.stderr, /marked 10 images for audit \(seed 3\); the sample is 10 images/);
    assert.match(drawn.stdout, /audit sample: 10 images, 0 reviewed/);
    const store = await ManifestStore.open(dir);
    const sampled = [...store.records()].filter((r) => r.audit === true).map((r) => r.file_name);
    assert.equal(sampled.length, 10);
    store.close();
    assert.match(run('--sample', '10', '--seed', '3').stderr, /marked 0 images/);
    // People review the sample: 9 DSCs approved, one rejected (SSCs approved).
    const lines = (await fs.readFile(path.join(dir, MANIFEST_NAME), 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as ManifestRecord);
    const reviewed = lines.map((r) => {
      if (r.audit !== true) return r;
      const k = sampled.indexOf(r.file_name);
      return { ...r, ssc: { ...r.ssc!, review: 'approved' }, dsc: { ...r.dsc!, review: k === 0 ? 'rejected' : 'approved' } };
    });
    await fs.writeFile(path.join(dir, MANIFEST_NAME), reviewed.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const json = run('--json');
    assert.equal(json.status, 0, json.stderr);
    const stats = JSON.parse(json.stdout) as { reviewed: number; accepted: number; dsc: { unreviewed: number; low: number } };
    assert.equal(stats.reviewed, 10);
    assert.equal(stats.accepted, 9);
    assert.equal(stats.dsc.unreviewed, 20);
    const statsJson = spawnSync(tsx, [cli, 'stats', dir, '--json'], { encoding: 'utf8' });
    assert.deepEqual(JSON.parse(statsJson.stdout).audit, JSON.parse(json.stdout));
    assert.equal(run('--sample', '0').status, 2);
  } finally {
    await removeDir(dir);
  }
});
