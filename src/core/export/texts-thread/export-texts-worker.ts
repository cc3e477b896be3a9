// A worker thread's entry (bundled as dist/export-texts-worker.js): an export's texts thread. It is sent each
// exported record's texts, measures them for the dataset card (analysis/habit-texts-receiver.ts) and, for a
// JSON-lines format, or WebDataset or Parquet without images, writes the record's line, shard entries or
// row from the same texts: the export's own thread, which sets the pace of a large export, then neither
// cleans nor encodes the captions.
import { parentPort, workerData } from 'node:worker_threads';
import type { CaptionTexts } from '../../analysis/caption-texts.js';
import type { HabitTextsChunk } from '../../analysis/habit-texts-protocol.js';
import { HabitTextsReceiver, isHabitTextsSetup, serveTexts } from '../../analysis/habit-texts-receiver.js';
import { createLineWriter, isShardFormat, isThreadWrittenFormat, type LineWriter } from '../formats/index.js';
import { lowerThisThreadsPriority } from '../../util/helper-thread-priority.js';
import { readImageFacts, readLineMark, type ExportTextsSetup } from './texts-protocol.js';
import { sampleScore } from '../types.js';

const port = parentPort;
if (!port) throw new Error('export-texts-worker.js runs as a worker thread');
const setup = workerData as ExportTextsSetup | null;
if (!isHabitTextsSetup(setup) || setup.lines === undefined || (setup.lines !== null && !isThreadWrittenFormat(setup.lines.format))) {
  throw new Error('export-texts-worker.js is started with { loopPhrases, sample, lines }');
}
// It serves the export's pass, which sets the pace (util/helper-thread-priority.ts).
lowerThisThreadsPriority();

const withImageFacts = setup.lines !== null && isShardFormat(setup.lines.format);

/** Writes the line of one record from its texts; a promise when the file must catch up first. */
function writeLine(writer: LineWriter, texts: CaptionTexts, mark: number | undefined, facts: HabitTextsChunk | undefined, record: number): Promise<void> | undefined {
  if (mark === undefined) throw new Error(`record ${texts.fileName} came without its line's mark`);
  const { split, source, by } = readLineMark(mark);
  const caption = texts[source];
  if (!caption) throw new Error(`record ${texts.fileName} has no ${source} to export`);
  const image = withImageFacts ? readImageFacts(facts, record) : undefined;
  return writer.add({ fileName: texts.fileName, caption: caption.text, source, split, by, score: sampleScore(caption.score), image });
}

const lines = setup.lines && createLineWriter(setup.lines.format, setup.lines.context);
// A failed write comes back with its own message and code (the file, ENOSPC), no prefix.
serveTexts(port, new HabitTextsReceiver(setup), lines && { take: (texts, mark, facts, record) => writeLine(lines, texts, mark, facts, record), close: () => lines.close(), abort: () => lines.abort() });
