// What an export's texts thread (export-texts-worker.ts) is started with, beside the habit report's setup:
// the format whose captions it writes, if any; what each exported record's mark says of its line; and the
// facts of its image that a WebDataset sample's .json holds.
import type { HabitTextsChunk, HabitTextsSetup } from '../../analysis/habit-texts-protocol.js';
import type { LineSample, ThreadWrittenFormat, WriterContext } from '../formats/index.js';
import { TEXT_SOURCES } from '../../../shared/record.js';
import type { CaptionSource, ExportSample, Split } from '../types.js';

export interface LinesSetup {
  format: ThreadWrittenFormat;
  context: WriterContext;
}

export type ExportTextsSetup = HabitTextsSetup & { lines: LinesSetup | null };

/** A sample's line in one number, sent beside its record's texts: its split in bit 0, its caption's source above. */
export function lineMark(sample: Pick<LineSample, 'split' | 'source'>): number {
  return (sample.split === 'validation' ? 1 : 0) | (TEXT_SOURCES.indexOf(sample.source) << 1);
}

/** The split and caption source a mark holds; throws on a number lineMark never makes. */
export function readLineMark(mark: number): { split: Split; source: CaptionSource } {
  const source = TEXT_SOURCES[mark >> 1];
  if (!Number.isInteger(mark) || mark < 0 || source === undefined) throw new Error(`${mark} is not a line's mark`);
  return { split: mark & 1 ? 'validation' : 'train', source };
}

/** Whether the format's samples go to the thread with their image's facts (imageFacts). */
export function needsImageFacts(format: ThreadWrittenFormat): boolean {
  return format === 'webdataset';
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
