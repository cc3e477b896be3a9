// Audit sampling: a seeded random sample of unreviewed images is marked (`"audit": true`); once people
// have reviewed it, its acceptance rate, with a 95% Wilson interval, says what to expect of the captions
// nobody reviewed. That is the number that decides whether synthetic captions can ship unreviewed.
import { CAPTION_KINDS, type CaptionKind, type ManifestRecord } from '../../shared/record.js';
import { isUnreviewed } from '../../shared/record-query.js';
import { unitHash } from '../util/seeded-hash.js';
import type { ManifestAccess } from '../dataset/manifest-access.js';
import { captionReview, factsOf, factsUnreviewed, FACT_AUDIT, FACT_MISSING, hasCaption, REVIEW_APPROVED, REVIEW_NONE } from '../dataset/record-facts.js';

/** z for a two-sided 95% interval. */
const Z95 = 1.959963984540054;

/** Wilson score interval of k successes in n trials (95%); [0, 1] when n is 0. */
export function wilsonInterval(k: number, n: number, z = Z95): { low: number; high: number } {
  if (n === 0) return { low: 0, high: 1 };
  const p = k / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** The rank that orders candidates for the sample: depends only on the seed and the name. */
export function auditRank(seed: number, fileName: string): number {
  return unitHash(seed, 'audit', fileName);
}

/** The seed when none is given: the same sample for everyone who draws one without choosing. */
export const DEFAULT_AUDIT_SEED = 0;

/** Whether a record can be drawn: it has a caption that nobody reviewed yet (and is there). */
export function isAuditCandidate(record: ManifestRecord): boolean {
  return !record.missing && (record.ssc !== null || record.dsc !== null) && isUnreviewed(record);
}

/**
 * Picks the sample as records stream by: the `size` candidates of lowest rank, minus those already
 * marked. A record's rank never changes, so the same seed draws the same sample as the dataset grows,
 * and drawing again with a larger size only adds to it. Memory is the sample, not the dataset.
 */
export class AuditDraw {
  private readonly picked: { name: string; rank: number }[] = [];
  marked = 0;
  candidates = 0;

  constructor(
    private readonly size: number,
    private readonly seed: number,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`the audit sample size must be a whole number of at least 1, not ${size}`);
  }

  add(record: ManifestRecord): void {
    if (record.audit === true) {
      this.marked++;
      return;
    }
    if (!isAuditCandidate(record)) return;
    this.candidates++;
    const rank = auditRank(this.seed, record.file_name);
    const picked = this.picked;
    if (picked.length === this.size && rank >= picked[picked.length - 1]!.rank) return;
    // Sorted insert: the sample is small next to the dataset (a few hundred to a few thousand).
    let at = picked.length;
    while (at > 0 && picked[at - 1]!.rank > rank) at--;
    picked.splice(at, 0, { name: record.file_name, rank });
    if (picked.length > this.size) picked.pop();
  }

  /** The names to mark now: enough to bring the marked sample up to `size`. */
  toMark(): string[] {
    return this.picked.slice(0, Math.max(0, this.size - this.marked)).map((p) => p.name);
  }
}

export interface AuditDrawResult {
  /** Images marked by this draw. */
  marked: number;
  /** The sample's size now: marked before and now. */
  sampled: number;
  /** Unreviewed images that could be drawn. */
  candidates: number;
}

/** Draws the sample in `store` and marks it (`audit: true`), saving when anything was marked. */
export async function drawAuditSample(store: ManifestAccess, size: number, seed = DEFAULT_AUDIT_SEED): Promise<AuditDrawResult> {
  const draw = new AuditDraw(size, seed);
  for (const record of store.records()) draw.add(record);
  const names = draw.toMark();
  for (const name of names) {
    const record = store.get(name);
    if (record) store.put({ ...record, audit: true });
  }
  if (names.length > 0) await store.save();
  return { marked: names.length, sampled: draw.marked + names.length, candidates: draw.candidates };
}

export interface AuditKindStats {
  /** Sampled records with this caption. */
  sampled: number;
  reviewed: number;
  accepted: number;
  /** accepted / reviewed; null before any review. */
  rate: number | null;
  /** 95% Wilson interval of the acceptance rate; null before any review. */
  low: number | null;
  high: number | null;
  /** Captions of this kind outside the sample that nobody reviewed. */
  unreviewed: number;
  /** Expected rejected share of those: [1 - high, 1 - low]; null before any review. */
  expectRejected: { low: number; high: number } | null;
}

export interface AuditStats extends AuditKindStats {
  /** Per caption kind: the statement a team ships on ("shipping N unreviewed DSCs, expect …"). */
  ssc: AuditKindStats;
  dsc: AuditKindStats;
}

interface Tally {
  sampled: number;
  reviewed: number;
  accepted: number;
  unreviewed: number;
}

function kindStats(t: Tally): AuditKindStats {
  if (t.reviewed === 0) return { ...t, rate: null, low: null, high: null, expectRejected: null };
  const { low, high } = wilsonInterval(t.accepted, t.reviewed);
  return { ...t, rate: t.accepted / t.reviewed, low, high, expectRejected: { low: 1 - high, high: 1 - low } };
}

/**
 * Counts the audit as records stream by. A sampled record is reviewed when every caption it has is, and
 * accepted when none of them is rejected; per kind, each caption counts on its own.
 */
export class AuditTally {
  private readonly all: Tally = { sampled: 0, reviewed: 0, accepted: 0, unreviewed: 0 };
  private readonly kinds: Record<CaptionKind, Tally> = {
    ssc: { sampled: 0, reviewed: 0, accepted: 0, unreviewed: 0 },
    dsc: { sampled: 0, reviewed: 0, accepted: 0, unreviewed: 0 },
  };

  add(record: ManifestRecord): void {
    this.addFacts(factsOf(record));
  }

  /**
   * `times` records with these facts (record-facts.ts): what a pass that keeps no records counts from, one
   * call per distinct facts value.
   */
  addFacts(facts: number, times = 1): void {
    if (facts & FACT_MISSING) return;
    const captions = CAPTION_KINDS.filter((k) => hasCaption(facts, k));
    if (!(facts & FACT_AUDIT)) {
      for (const kind of captions) if (captionReview(facts, kind) === REVIEW_NONE) this.kinds[kind].unreviewed += times;
      if (captions.length > 0 && factsUnreviewed(facts)) this.all.unreviewed += times;
      return;
    }
    this.all.sampled += times;
    for (const kind of captions) {
      const tally = this.kinds[kind];
      tally.sampled += times;
      const review = captionReview(facts, kind);
      if (review !== REVIEW_NONE) tally.reviewed += times;
      if (review === REVIEW_APPROVED) tally.accepted += times;
    }
    if (captions.length > 0 && captions.every((k) => captionReview(facts, k) !== REVIEW_NONE)) {
      this.all.reviewed += times;
      if (captions.every((k) => captionReview(facts, k) === REVIEW_APPROVED)) this.all.accepted += times;
    }
  }

  result(): AuditStats {
    return { ...kindStats(this.all), ssc: kindStats(this.kinds.ssc), dsc: kindStats(this.kinds.dsc) };
  }
}

/** The audit statistics of a manifest's records, in one pass. */
export function auditStatsOf(records: Iterable<ManifestRecord>): AuditStats {
  const tally = new AuditTally();
  for (const record of records) tally.add(record);
  return tally.result();
}

const percent = (x: number) => `${(x * 100).toFixed(1)}%`;

/** The audit's conclusion in a sentence, per caption kind with a reviewed sample. */
export function describeAudit(stats: AuditStats): string[] {
  if (stats.sampled === 0) return ['no audit sample: draw one with "recaption audit <folder> --sample N"'];
  const lines = [`audit sample: ${stats.sampled} images, ${stats.reviewed} reviewed, ${stats.accepted} accepted`];
  for (const kind of CAPTION_KINDS) {
    const k = stats[kind];
    if (k.sampled === 0) continue;
    if (!k.expectRejected) {
      lines.push(`${kind.toUpperCase()}: none of the ${k.sampled} sampled captions is reviewed yet`);
      continue;
    }
    lines.push(
      `${kind.toUpperCase()}: ${k.accepted} of ${k.reviewed} sampled accepted (${percent(k.rate!)}, 95% interval ${percent(k.low!)}–${percent(k.high!)}); ` +
        `shipping the ${k.unreviewed} unreviewed ${kind.toUpperCase()}s, expect ${percent(k.expectRejected.low)}–${percent(k.expectRejected.high)} to be rejected`,
    );
  }
  return lines;
}
