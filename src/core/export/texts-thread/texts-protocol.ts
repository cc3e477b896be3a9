// What an export's texts thread (export-texts-worker.ts) is started with, beside the habit report's setup:
// the JSON-lines format whose lines it writes, if any; and what each exported record's mark says of its line.
import type { HabitTextsSetup } from '../../analysis/habit-texts-protocol.js';
import type { LineFormat, LineSample, WriterContext } from '../formats/index.js';
import { TEXT_SOURCES } from '../../../shared/record.js';
import type { CaptionSource, Split } from '../types.js';

export interface LinesSetup {
  format: LineFormat;
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
