// What a caption habit report holds (habit-report.ts builds it): alt-text, SSC and DSC measured the same way,
// side by side, with the habits a synthetic caption shows beside the ground truth.
import type { TextSource } from '../../shared/record.js';
import type { DefectSummary } from '../dataset/defect-counter.js';
import type { Bin, LengthSummary } from '../text/distribution.js';
import { LOOP_MIN_TIMES, LOOP_WORDS } from '../text/text-features.js';
import type { AuditStats } from './audit.js';
import type { PhraseCount } from './top-counts.js';

export interface LoopExample {
  fileName: string;
  ngram: string;
  times: number;
}

export interface SourceReport {
  source: TextSource;
  /** Non-empty texts of this source. */
  count: number;
  /**
   * Those measured in full (words, article, period, capital, openings, closings, loops), what their shares
   * are of: all `count` unless the report was taken over a sample of the records (HabitReport.measuredRecords).
   * Duplicates and scores always cover every text.
   */
  measured: number;
  words: LengthSummary;
  /** Captions per shared bin (HabitReport.bins). */
  histogram: number[];
  startsWithArticle: number;
  endsWithPeriod: number;
  capitalised: number;
  openings: PhraseCount[];
  closings: PhraseCount[];
  loops: {
    /** Captions with an n-gram repeated inside them. */
    count: number;
    share: number;
    /** n-grams by the number of captions they repeat in; null when the report was not asked for them (loopPhrases). */
    top: PhraseCount[] | null;
    /** Captions with their most repeated n-gram; null as `top`. */
    examples: LoopExample[] | null;
  };
  duplicates: {
    /** Captions whose text (ignoring case and spacing) another caption of the same source also has. */
    count: number;
    share: number;
    top: PhraseCount[];
  };
  /** Alignment scores of this source's texts (see recaption score); null when none is scored. */
  scores: { count: number; summary: LengthSummary } | null;
}

export type Habit =
  | 'article-opening'
  | 'trailing-period'
  | 'capitalisation'
  | 'stock-opening'
  | 'stock-closing'
  | 'loops'
  | 'duplicates'
  | 'uniform-length';

export interface HabitFlag {
  source: 'ssc' | 'dsc';
  habit: Habit;
  /** The synthetic source's value and the ground truth's (null: judged without ground truth). */
  value: number;
  groundTruth: number | null;
  message: string;
}

export interface HabitReportOptions {
  /** n of the n-grams whose repetition inside one caption counts as a loop. */
  loopN: number;
  loopMinTimes: number;
  /**
   * Whether looping n-grams are counted by phrase (loops.top, loops.examples). The report panels show them;
   * a dataset card shows only the share of captions that loop, and finding every looping n-gram of every
   * caption is a large part of a million-record export.
   */
  loopPhrases: boolean;
  /** Entries in the openings / closings / loops / duplicates lists. */
  top: number;
  maxBins: number;
  /** A source with fewer texts than this raises no flags: too few to judge. */
  minCount: number;
  /** An absolute difference in share that counts as sharp (article, period, capitalisation). */
  shareGap: number;
  /** A stock phrase: at least this share of captions, and `ratio` times its share in the ground truth. */
  stockShare: number;
  ratio: number;
  loopShare: number;
  duplicateShare: number;
  /** Relative spread (p90 - p10) / median below this fraction of the ground truth's. */
  spreadFraction: number;
}

export const DEFAULT_REPORT_OPTIONS: HabitReportOptions = {
  loopN: LOOP_WORDS,
  loopMinTimes: LOOP_MIN_TIMES,
  loopPhrases: true,
  top: 10,
  maxBins: 20,
  minCount: 20,
  shareGap: 0.3,
  stockShare: 0.2,
  ratio: 3,
  loopShare: 0.02,
  duplicateShare: 0.1,
  spreadFraction: 0.5,
};

export interface HabitReport {
  records: number;
  /**
   * Records whose texts were measured in full, and whose defect flags were counted: `records` unless a
   * large export's dataset card measured a seeded sample of them (export/card/card-sample.ts).
   */
  measuredRecords: number;
  bins: Bin[];
  sources: Record<TextSource, SourceReport>;
  flags: HabitFlag[];
  /** What could not be judged and why (too few texts), so "no flags" is never read as "no habits". */
  notes: string[];
  /** The models whose scores the report shows (usually one). */
  scoreModels: string[];
  /** Records with each defect flag (dataset/defect-counter.ts). */
  defects: DefectSummary;
  audit: AuditStats;
  options: HabitReportOptions;
}

/** What a report says of the texts alone: all of it but the audit (RecordTallies). */
export type HabitTextReport = Omit<HabitReport, 'audit'>;
