// A worker thread's entry (bundled as dist/export-texts-worker.js): an export's texts thread. It is sent each
// exported record's texts, measures them for the dataset card (analysis/habit-texts-receiver.ts) and, for a
// JSON-lines format, writes the record's line from the same texts: the export's own thread, which sets the
// pace of a large export, then neither cleans nor encodes the captions.
import { parentPort, workerData } from 'node:worker_threads';
import type { CaptionTexts } from '../../analysis/caption-texts.js';
import type { HabitTextsReply, HabitTextsRequest } from '../../analysis/habit-texts-protocol.js';
import { HabitTextsReceiver, isHabitTextsSetup } from '../../analysis/habit-texts-receiver.js';
import { createLineWriter, isLineFormat, type LineWriter } from '../formats/index.js';
import { lowerThisThreadsPriority } from '../../util/helper-thread-priority.js';
import { readLineMark, type ExportTextsSetup } from './texts-protocol.js';

const port = parentPort;
if (!port) throw new Error('export-texts-worker.js runs as a worker thread');
const setup = workerData as ExportTextsSetup | null;
if (!isHabitTextsSetup(setup) || setup.lines === undefined || (setup.lines !== null && !isLineFormat(setup.lines.format))) {
  throw new Error('export-texts-worker.js is started with { loopPhrases, sample, lines }');
}
// It serves the export's pass, which sets the pace (util/helper-thread-priority.ts).
lowerThisThreadsPriority();
const receiver = new HabitTextsReceiver(setup);
const lines: LineWriter | null = setup.lines && createLineWriter(setup.lines.format, setup.lines.context);
/** The sender gave up, or a write failed: what is still queued is dropped. */
let over = false;

/** Writes the line of one record from its texts; a promise when the file must catch up first. */
function writeLine(writer: LineWriter, texts: CaptionTexts, mark: number | undefined): Promise<void> | undefined {
  if (mark === undefined) throw new Error(`record ${texts.fileName} came without its line's mark`);
  const { split, source } = readLineMark(mark);
  const caption = texts[source];
  if (!caption) throw new Error(`record ${texts.fileName} has no ${source} to export`);
  return writer.add({ fileName: texts.fileName, caption: caption.text, source, split });
}

async function handle(request: HabitTextsRequest): Promise<void> {
  if (over) return;
  if ('chunk' in request) {
    const waits: Promise<void>[] = [];
    const marks = request.marks;
    receiver.add(
      request.chunk,
      request.expected,
      lines
        ? (texts, record) => {
            const wait = writeLine(lines, texts, marks?.[record]);
            if (wait) waits.push(wait);
          }
        : undefined,
    );
    await Promise.all(waits);
    port!.postMessage({ measured: true } satisfies HabitTextsReply);
  } else if ('stop' in request) {
    over = true;
    await lines?.abort();
    port!.close();
  } else {
    await lines?.close();
    port!.postMessage({ texts: receiver.finish() } satisfies HabitTextsReply);
    // Answered: the thread exits on its own (util/end-worker.ts).
    port!.close();
  }
}

async function fail(err: unknown): Promise<void> {
  if (over) return;
  over = true;
  const { message, code } = err instanceof Error ? (err as NodeJS.ErrnoException) : { message: String(err), code: undefined };
  port!.postMessage({ error: message, code } satisfies HabitTextsReply);
  await lines?.abort().catch(() => undefined);
  port!.close();
}

// One request at a time, in order: a chunk's lines are written before the next chunk's.
let work = Promise.resolve();
port.on('message', (request: HabitTextsRequest) => {
  work = work.then(() => handle(request)).catch(fail);
});
