// What a dataset card is made from: the export's record plus facts about the manifest it came from.
import type { AuditStats } from '../../analysis/audit.js';
import type { HabitReport } from '../../analysis/habit-report.js';
import type { CaptionKind } from '../../../shared/record.js';
import type { ExportRecord, Split } from '../types.js';

/** A column as the Hub's `dataset_info.features` lists it. */
export interface CardFeature {
  name: string;
  dtype: 'image' | 'string' | 'float32' | 'int32' | 'bool';
}

/** Where a split's files are, as a `configs[].data_files` entry: e.g. { split: 'train', pattern: 'data/train-*' }. */
export interface CardDataFiles {
  split: Split;
  pattern: string;
}

/** One caption kind's review state over the manifest (images that are there; a missing image's captions do not count). */
export interface ReviewTally {
  approved: number;
  rejected: number;
  unreviewed: number;
  /** Captions a person wrote or edited (`by: "human"`), whatever their review. */
  human: number;
}

export type ReviewCoverage = Record<CaptionKind, ReviewTally>;

export interface DatasetCardInput {
  /** export.json's content. */
  record: ExportRecord;
  /** null for formats the Hub cannot load as a config (llava, openai): then the header has no `configs`. */
  dataFiles: CardDataFiles[] | null;
  features: CardFeature[] | null;
  habit: HabitReport;
  /** null when no audit sample was drawn. */
  audit: AuditStats | null;
  review: ReviewCoverage;
  /** Only when the user set one: a Hub license id (see licenseProblem). */
  license?: string;
  title?: string;
  recaptionVersion: string;
}

/** A plot of the card: its path in the output (what the Markdown links to) and its drawing. */
export interface CardPlot {
  file: string;
  svg: string;
}

export interface DatasetCard {
  markdown: string;
  plots: CardPlot[];
}
