// Counts over a manifest: what `recaption stats` prints and the editor's header shows.
import { CAPTION_KINDS, type ManifestRecord } from '../../shared/record.js';
import { captionAuthor, captionReview, factsOf, FACT_ALT, FACT_ERROR, FACT_MISSING, FACT_STALE, hasCaption, REVIEW_APPROVED, REVIEW_NONE, REVIEW_REJECTED } from './record-facts.js';

export interface CaptionCounts {
  present: number;
  byModel: number;
  byHuman: number;
  byImport: number;
  byUpsample: number;
  approved: number;
  rejected: number;
}

export interface DatasetStats {
  images: number;
  withAlt: number;
  ssc: CaptionCounts;
  dsc: CaptionCounts;
  /** Images where at least one caption has a review state. */
  reviewed: number;
  errors: number;
  missing: number;
  stale: number;
  /** Manifest lines that could not be read (kept as they are). */
  malformedLines: number;
}

function emptyCounts(): CaptionCounts {
  return { present: 0, byModel: 0, byHuman: 0, byImport: 0, byUpsample: 0, approved: 0, rejected: 0 };
}

const AUTHOR_FIELD = { model: 'byModel', human: 'byHuman', import: 'byImport', upsample: 'byUpsample' } as const;

/** Counts records one at a time, so a manifest can be counted as it streams by. */
export class StatsCounter {
  private readonly stats: DatasetStats = {
    images: 0, withAlt: 0, ssc: emptyCounts(), dsc: emptyCounts(), reviewed: 0, errors: 0, missing: 0, stale: 0, malformedLines: 0,
  };

  add(r: ManifestRecord): void {
    this.addFacts(factsOf(r));
  }

  /**
   * `times` records with these facts (record-facts.ts): what a pass that keeps no records counts from, one
   * call per distinct facts value.
   */
  addFacts(facts: number, times = 1): void {
    const stats = this.stats;
    if (facts & FACT_MISSING) {
      stats.missing += times;
      return;
    }
    stats.images += times;
    if (facts & FACT_ALT) stats.withAlt += times;
    if (facts & FACT_ERROR) stats.errors += times;
    if (facts & FACT_STALE) stats.stale += times;
    let reviewed = false;
    for (const kind of CAPTION_KINDS) {
      if (!hasCaption(facts, kind)) continue;
      const counts = stats[kind];
      counts.present += times;
      counts[AUTHOR_FIELD[captionAuthor(facts, kind)]] += times;
      const review = captionReview(facts, kind);
      if (review === REVIEW_APPROVED) counts.approved += times;
      if (review === REVIEW_REJECTED) counts.rejected += times;
      if (review !== REVIEW_NONE) reviewed = true;
    }
    if (reviewed) stats.reviewed += times;
  }

  result(malformedLines: number): DatasetStats {
    return { ...this.stats, ssc: { ...this.stats.ssc }, dsc: { ...this.stats.dsc }, malformedLines };
  }
}

export function computeStats(records: Iterable<ManifestRecord>, malformedLines = 0): DatasetStats {
  const counter = new StatsCounter();
  for (const r of records) counter.add(r);
  return counter.result(malformedLines);
}
