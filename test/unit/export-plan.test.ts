// The export's decisions, without files: selection, the t2i blend and the train/validation split.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planExport, type PlanOptions } from '../../src/core/export/plan.js';
import { emptyRecord, type Caption, type ManifestRecord, type ReviewState } from '../../src/shared/record.js';

function caption(text: string, review: ReviewState = 'approved'): Caption {
  return { text, by: 'model', model: 'm', review };
}

function records(n: number, start = 0, withAlt = true): ManifestRecord[] {
  return Array.from({ length: n }, (_, k) => ({
    ...emptyRecord(`d/${start + k}.jpg`),
    alt: withAlt ? { text: `alt ${start + k}`, source: 'sidecar' as const } : null,
    ssc: caption(`ssc ${start + k}`),
    dsc: caption(`dsc ${start + k}`),
  }));
}

const base: PlanOptions = { profile: 't2i', ratio: 0.95, seed: 7, validation: 0.05, select: 'approved' };

/** |observed - expected| within 5 binomial standard deviations: fails by chance about once in 3.5 million. */
function assertBinomial(observed: number, n: number, p: number, what: string): void {
  const sd = Math.sqrt(n * p * (1 - p));
  assert.ok(Math.abs(observed - n * p) < 5 * sd, `${what}: ${observed} of ${n}, expected ${n * p} ± ${(5 * sd).toFixed(1)}`);
}

test('t2i blend ratio is within statistical tolerance on 10,000 records', () => {
  const recs = records(10_000);
  for (const ratio of [0.95, 0.5, 0.8]) {
    const plan = planExport(recs, { ...base, ratio });
    assert.equal(plan.samples.length, 10_000);
    const dsc = plan.samples.filter((s) => s.source === 'dsc').length;
    assertBinomial(dsc, 10_000, ratio, `DSC share at ratio ${ratio}`);
    for (const s of plan.samples) assert.equal(s.caption, `${s.source} ${s.fileName.slice(2, -4)}`);
  }
  const all = planExport(recs, { ...base, ratio: 1 });
  assert.ok(all.samples.every((s) => s.source === 'dsc'));
  const none = planExport(recs, { ...base, ratio: 0 });
  assert.ok(none.samples.every((s) => s.source === 'alt'));
});

test('validation share is within tolerance and the split is independent of the blend', () => {
  const plan = planExport(records(10_000), { ...base, validation: 0.1, ratio: 0.5 });
  const validation = plan.samples.filter((s) => s.split === 'validation');
  assertBinomial(validation.length, 10_000, 0.1, 'validation share');
  // Independent draws: the alt share inside the validation split is still about 1 - ratio.
  assertBinomial(validation.filter((s) => s.source === 'alt').length, validation.length, 0.5, 'alt share in validation');
});

test('the same seed gives exactly the same plan; another seed a different one', () => {
  const recs = records(2000);
  const a = planExport(recs, base).samples.map((s) => `${s.fileName} ${s.split} ${s.source}`);
  const b = planExport(recs, base).samples.map((s) => `${s.fileName} ${s.split} ${s.source}`);
  const c = planExport(recs, { ...base, seed: 8 }).samples.map((s) => `${s.fileName} ${s.split} ${s.source}`);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

test('adding images never moves an image between splits nor changes its caption choice', () => {
  const before = planExport(records(3000), base);
  const grown = planExport([...records(3000), ...records(2000, 3000)], base);
  const after = new Map(grown.samples.map((s) => [s.fileName, s]));
  for (const s of before.samples) {
    const now = after.get(s.fileName)!;
    assert.equal(now.split, s.split, s.fileName);
    assert.equal(now.source, s.source, s.fileName);
  }
  assert.equal(grown.samples.length, 5000);
});

test('an export of a selection writes only those images, each in the split and with the caption of the whole export, and skips none of the rest', () => {
  const all = records(2000);
  const whole = new Map(planExport(all, base).samples.map((s) => [s.fileName, s]));
  // A selection, with a rejected image in it (still skipped, and tallied) and a duplicate group cut in two.
  const only = new Set(all.filter((_, i) => i % 7 === 3).map((r) => r.file_name));
  const rejected = all[3]!;
  const planned = planExport(
    all.map((r) => (r === rejected ? { ...r, dsc: caption('dsc 3', 'rejected') } : r)),
    { ...base, only, groups: new Map([['d/10.jpg', 'd/10.jpg'], ['d/1809.jpg', 'd/10.jpg']]) },
  );
  assert.deepEqual(new Set(planned.samples.map((s) => s.fileName)), new Set([...only].filter((n) => n !== rejected.file_name)));
  assert.equal(Object.values(planned.skipped.counts).reduce((a, b) => a + b, 0), 1, 'only the rejected image of the selection is tallied');
  for (const s of planned.samples) {
    const w = whole.get(s.fileName)!;
    if (s.fileName !== 'd/1809.jpg') assert.equal(s.split, w.split, s.fileName);
    assert.equal(s.source, w.source, s.fileName);
  }
  // A group's split is its first member's, in or out of the selection.
  assert.equal(planned.samples.find((s) => s.fileName === 'd/1809.jpg')!.split, whole.get('d/10.jpg')!.split);
});

test('images without alt-text fall back to the DSC and are counted', () => {
  const recs = records(4000, 0, false);
  const plan = planExport(recs, { ...base, ratio: 0.7 });
  assert.ok(plan.samples.every((s) => s.source === 'dsc'));
  assertBinomial(plan.altFallback, 4000, 0.3, 'fallbacks');
  // The fallbacks are exactly the images that would have drawn the alt-text had they had one.
  const withAlt = planExport(records(4000), { ...base, ratio: 0.7 });
  assert.equal(withAlt.samples.filter((s) => s.source === 'alt').length, plan.altFallback);
  assert.equal(withAlt.altFallback, 0);
});

test('selection: approved vs unrejected; rejected, errors, missing, stale and unsafe names never go out', () => {
  const r = (name: string, patch: Partial<ManifestRecord>): ManifestRecord => ({
    ...emptyRecord(name),
    alt: { text: `alt ${name}`, source: 'sidecar' },
    ssc: caption(`ssc ${name}`),
    dsc: caption(`dsc ${name}`),
    ...patch,
  });
  const recs = [
    r('approved.jpg', {}),
    r('unreviewed.jpg', { ssc: caption('s', null), dsc: caption('d', null) }),
    r('rejected.jpg', { ssc: caption('s', 'rejected'), dsc: caption('d', 'rejected') }),
    r('nocaption.jpg', { ssc: null, dsc: null }),
    r('blank.jpg', { ssc: caption('  '), dsc: caption('') }),
    r('error.jpg', { error: 'cannot decode' }),
    r('missing.jpg', { missing: true }),
    r('stale.jpg', { stale: true }),
    r('../escape.jpg', {}),
    r('/abs.jpg', {}),
    // SSC approved, DSC rejected: in the SSC export, not in DSC or t2i.
    r('mixed.jpg', { dsc: caption('d', 'rejected') }),
  ];
  const names = (o: Partial<PlanOptions>) => planExport(recs, { ...base, validation: 0, ...o }).samples.map((s) => s.fileName);
  assert.deepEqual(names({ profile: 'ssc' }), ['approved.jpg', 'mixed.jpg']);
  assert.deepEqual(names({ profile: 'dsc' }), ['approved.jpg']);
  assert.deepEqual(names({ profile: 't2i' }), ['approved.jpg']);
  assert.deepEqual(names({ profile: 'ssc', select: 'unrejected' }), ['approved.jpg', 'unreviewed.jpg', 'mixed.jpg']);
  assert.deepEqual(names({ profile: 'dsc', select: 'unrejected' }), ['approved.jpg', 'unreviewed.jpg']);
  const plan = planExport(recs, { ...base, profile: 'dsc', select: 'unrejected' });
  assert.deepEqual(plan.skipped.counts, {
    rejected: 2,
    'no-caption': 2,
    error: 1,
    'missing-file': 1,
    stale: 1,
    'unsafe-file-name': 2,
  });
  assert.deepEqual(plan.skipped.examples['unsafe-file-name'], ['../escape.jpg', '/abs.jpg']);
  assert.deepEqual(planExport(recs, { ...base, profile: 'dsc' }).skipped.counts['not-approved'], 1);
});
