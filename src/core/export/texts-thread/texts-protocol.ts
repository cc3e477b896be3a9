// What an export's texts thread (export-texts-worker.ts) is started with, beside the habit report's setup:
// the format whose captions it writes, if any; what each exported record's mark says of its line; and the
// facts of its image that a shard format's sample holds (WebDataset's .json, Parquet's columns; isShardFormat).
import type { HabitTextsChunk, HabitTextsSetup } from '../../analysis/habit-texts-protocol.js';
import type { LineSample, ThreadWrittenFormat, WriterContext } from '../formats/index.js';
import { CAPTION_AUTHORS, TEXT_SOURCES } from '../../../shared/record.js';
import type { ExportSample } from '../types.js';

export interface LinesSetup {
  format: ThreadWrittenFormat;
  context: WriterContext;
}

export type ExportTextsSetup = HabitTextsSetup & { lines: LinesSetup | null };

/** What a line mark holds: its sample's split, its caption's source and author. */
export type LineMarked = Pick<LineSample, 'split' | 'source' | 'by'>;

/**
 * A sample's line in one number, sent beside its record's texts: its split in bit 0, its caption's source
 * in bits 1-2, its author in bits 3-5 (0 for none, else its place in CAPTION_AUTHORS plus one).
 */
export function lineMark(sample: LineMarked): number {
  const author = sample.by === null ? 0 : CAPTION_AUTHORS.indexOf(sample.by) + 1;
  if (author === 0 && sample.by !== null) throw new Error(`${String(sample.by)} is not a caption's author`);
  return (sample.split === 'validation' ? 1 : 0) | (TEXT_SOURCES.indexOf(sample.source) << 1) | (author << 3);
}

/** The split, caption source and author a mark holds; throws on a number lineMark never makes. */
export function readLineMark(mark: number): LineMarked {
  const source = TEXT_SOURCES[(mark >> 1) & 3];
  const author = mark >> 3;
  const by = author === 0 ? null : CAPTION_AUTHORS[author - 1];
  if (!Number.isInteger(mark) || mark < 0 || mark >= 1 << 6 || source === undefined || by === undefined) throw new Error(`${mark} is not a line's mark`);
  return { split: mark & 1 ? 'validation' : 'train', source, by };
}

/** Values per record of imageFacts. */
const IMAGE_FACTS = 3;

/** A sample's image facts as the thread gets them beside its texts: width, height, sha256. */
export function imageFacts(image: ExportSample['image']): HabitTextsChunk {
  return [image.width, image.height, image.sha256];
}

/** The image facts of the chunk's record at `record` (imageFacts'); throws where they are not whole. */
export function readImageFacts(facts: HabitTextsChunk | undefined, record: number): ExportSample['image'] {
  const at = record * IMAGE_FACTS;
  const [width, height, sha256] = [facts?.[at], facts?.[at + 1], facts?.[at + 2]];
  const size = (value: unknown): value is number | null => value === null || typeof value === 'number';
  if (!size(width) || !size(height) || !(sha256 === null || typeof sha256 === 'string')) throw new Error(`record ${record} of a chunk came without its image's facts`);
  return { width, height, sha256 };
}
