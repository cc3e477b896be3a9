// Scores every text of a dataset (alt-text, SSC, DSC) against its image with a dual encoder, resuming
// where a previous run of the same model stopped. Scores are written beside the texts; nothing else of a
// record changes, so a human edit or a review is never touched.
import type { ManifestAccess } from '../dataset/manifest-access.js';
import { DatasetFolder, describeRefusal, isRefusal } from '../dataset/dataset-file.js';
import { TEXT_SOURCES, type ManifestRecord, type TextSource } from '../../shared/record.js';
import type { TextScores } from '../dataset/caption-writes.js';

/** What scores texts against an image: ClipScorer, seen only as far as this loop needs it. */
export interface TextImageScorer {
  readonly modelName: string;
  embedImage(file: string): Promise<number[]>;
  scoreTexts(image: readonly number[], texts: readonly string[]): Promise<number[]>;
}

export interface ScoreOptions {
  /** Score again texts that already have a score from this model. */
  redo?: boolean;
  /** Save every this many scored images (and at the end). Default 500. */
  checkpointEvery?: number;
  /** false: leave saving to the caller. */
  save?: boolean;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** Read images that resolve outside the dataset folder (the user's choice, as for the scan). */
  followExternalLinks?: boolean;
}

export interface ScoreReport {
  images: number;
  scoredImages: number;
  scoredTexts: number;
  /** Images whose texts all had this model's scores already. */
  upToDate: number;
  /** Images that could not be read, with why (their record's `error` says so too). */
  failed: { fileName: string; reason: string }[];
  cancelled: boolean;
}

/** The texts of a record that need a score from `model`. */
function dueTexts(record: ManifestRecord, model: string, redo: boolean): TextSource[] {
  if (record.missing || record.error) return [];
  const other = record.score_model !== undefined && record.score_model !== model;
  return TEXT_SOURCES.filter((source) => {
    const text = record[source]?.text;
    if (text === undefined || text.trim() === '') return false;
    return redo || other || record[source]!.score === undefined;
  });
}

export async function scoreDataset(store: ManifestAccess, scorer: TextImageScorer, options: ScoreOptions = {}): Promise<ScoreReport> {
  const redo = options.redo === true;
  const every = options.checkpointEvery ?? 500;
  const report: ScoreReport = { images: 0, scoredImages: 0, scoredTexts: 0, upToDate: 0, failed: [], cancelled: false };
  const names = [...store.names()];
  const dataset = await DatasetFolder.open(store.folder, { followExternalLinks: options.followExternalLinks === true });
  let sinceSave = 0;
  for (const name of names) {
    if (options.signal?.aborted) {
      report.cancelled = true;
      break;
    }
    const record = store.get(name);
    report.images++;
    options.onProgress?.(report.images, names.length);
    if (!record) continue;
    const due = dueTexts(record, scorer.modelName, redo);
    if (due.length === 0) {
      if (!record.missing && !record.error) report.upToDate++;
      continue;
    }
    let image: number[];
    try {
      // Read through the dataset's one reader: an image that leads outside the dataset is not scored.
      const file = await dataset.resolve(name);
      if (isRefusal(file)) throw new Error(describeRefusal(name, file, 'recaption.followExternalLinks'));
      image = await scorer.embedImage(file.real);
    } catch (err) {
      const reason = `cannot score: ${(err as Error).message}`;
      report.failed.push({ fileName: name, reason });
      store.setError(name, reason);
      continue;
    }
    const values = await scorer.scoreTexts(image, due.map((source) => record[source]!.text));
    // Each score goes with the text it was computed for: the store sets only those still there (the
    // record may have changed while the image was read, and an editor's unsaved edit is not the base).
    const scores: TextScores = {};
    due.forEach((source, k) => (scores[source] = { text: record[source]!.text, score: values[k]! }));
    report.scoredTexts += store.setScores(name, scorer.modelName, scores);
    report.scoredImages++;
    if (options.save !== false && ++sinceSave >= every) {
      await store.save();
      sinceSave = 0;
    }
  }
  if (options.save !== false) await store.save();
  return report;
}
