// The manifest facts a card reports beside the export's own record: the habit report, the audit and the
// review coverage, gathered in one pass over records that stream by (a manifest may hold a million).
import { HabitReportBuilder, RecordTallies, type HabitTextReport } from '../../analysis/habit-report.js';
import { HabitTextsThread } from '../../analysis/habit-texts-thread.js';
import { CAPTION_KINDS, type ManifestRecord } from '../../../shared/record.js';
import type { DatasetCardInput, ReviewCoverage } from './card-types.js';

export type CardFacts = Pick<DatasetCardInput, 'habit' | 'audit' | 'review'>;

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

/** The facts of whole records (review coverage, defect flags, audit): cheap, gathered where the records are. */
export class RecordFactsCollector {
  private readonly review = emptyCoverage();
  private readonly tallies = new RecordTallies();

  add(record: ManifestRecord): void {
    countReview(this.review, record);
    this.tallies.add(record);
  }

  /** The card's facts, with the report of the same records' texts (gathered here or on another thread). */
  finish(texts: HabitTextReport): CardFacts {
    const habit = this.tallies.report(texts);
    // The habit report tallies the audit in the same pass; no sample means no estimate, not a zero one.
    return { habit, audit: habit.audit.sampled > 0 ? habit.audit : null, review: this.review };
  }
}

/** The card's facts gathered record by record, as an export writes them. */
export class CardFactsCollector {
  private readonly records = new RecordFactsCollector();
  private readonly texts = new HabitReportBuilder();

  add(record: ManifestRecord): void {
    this.records.add(record);
    this.texts.addTexts(record);
  }

  finish(): CardFacts {
    return this.records.finish(this.texts.finishTexts());
  }
}

/**
 * An export's card facts, gathered record by record as it writes them: the counts of whole records here,
 * the habit report of their texts on a thread of its own (analysis/habit-texts-thread.ts), which evens the work of
 * the two threads (measuring every caption costs more than the export's own work).
 */
export class CardFactsGatherer {
  private readonly records = new RecordFactsCollector();
  private readonly texts = new HabitTextsThread();

  /** Adds the record; a promise when the caller must wait for the texts' thread before adding more. */
  add(record: ManifestRecord): Promise<void> | undefined {
    this.records.add(record);
    return this.texts.add(record);
  }

  async finish(): Promise<CardFacts> {
    return this.records.finish(await this.texts.finish());
  }

  /** Ends the texts' thread of a pass given up. */
  stop(): Promise<void> {
    return this.texts.stop();
  }
}

export async function cardFactsOf(records: Iterable<ManifestRecord>): Promise<CardFacts> {
  const collector = new CardFactsCollector();
  // The records are read once; nothing is held.
  for (const record of records) collector.add(record);
  return collector.finish();
}
