// The manifest facts a card reports beside the export's own record: the habit report, the audit and the
// review coverage, gathered in one pass over records that stream by (a manifest may hold a million).
import { HabitReportBuilder, type HabitReport } from '../../analysis/habit-report.js';
import { CAPTION_KINDS, type ManifestRecord } from '../../../shared/record.js';
import type { DatasetCardInput, ReviewCoverage } from './card-types.js';

export type CardFacts = Pick<DatasetCardInput, 'habit' | 'audit' | 'review'>;

/** A card shows the share of captions that loop, not which phrases loop (card-habits.ts): those are not counted. */
export const CARD_REPORT = { loopPhrases: false } as const;

export function emptyCoverage(): ReviewCoverage {
  return { ssc: { approved: 0, rejected: 0, unreviewed: 0, human: 0 }, dsc: { approved: 0, rejected: 0, unreviewed: 0, human: 0 } };
}

/** Counts one record's captions into `coverage`. A missing image's captions are left out, as the audit leaves them out. */
export function countReview(coverage: ReviewCoverage, record: ManifestRecord): void {
  if (record.missing) return;
  for (const kind of CAPTION_KINDS) {
    const caption = record[kind];
    if (!caption) continue;
    const tally = coverage[kind];
    if (caption.review === 'approved') tally.approved++;
    else if (caption.review === 'rejected') tally.rejected++;
    else tally.unreviewed++;
    if (caption.by === 'human') tally.human++;
  }
}

/** The card's facts from the habit report of the records and their review coverage. */
export function cardFacts(habit: HabitReport, review: ReviewCoverage): CardFacts {
  // The habit report tallies the audit in the same pass; no sample means no estimate, not a zero one.
  return { habit, audit: habit.audit.sampled > 0 ? habit.audit : null, review };
}

/** The card's facts gathered record by record on this thread. */
export class CardFactsCollector {
  private readonly review = emptyCoverage();
  private readonly habit = new HabitReportBuilder(CARD_REPORT);

  add(record: ManifestRecord): void {
    countReview(this.review, record);
    this.habit.add(record);
  }

  finish(): CardFacts {
    return cardFacts(this.habit.finish(), this.review);
  }
}

/**
 * Records a card measures in full at most by default: an export of more measures a seeded sample of half to
 * all this many (record-sample.ts). A share measured over 50,000 is within ±0.44 points of the whole's
 * (95%), and measuring each of a million captions was the largest part of a million-record export.
 */
export const DEFAULT_CARD_SAMPLE = 100_000;

export async function cardFactsOf(records: Iterable<ManifestRecord>): Promise<CardFacts> {
  const collector = new CardFactsCollector();
  // The records are read once; nothing is held.
  for (const record of records) collector.add(record);
  return collector.finish();
}
