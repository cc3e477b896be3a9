// A worker thread's entry (bundled as dist/habit-texts-worker.js): the habit report of the texts it is sent
// (an export's, for its dataset card; a dataset's, for the report), with their defect flags from the same
// scans. Measuring every caption costs about as much as reading the records, so it runs here, on another
// core; the audit stays with the sender.
import { parentPort, workerData } from 'node:worker_threads';
import type { CaptionText, CaptionTexts } from './caption-texts.js';
import { HabitReportBuilder } from './habit-report.js';
import { RECORD_FLAGS, RECORD_SLOTS, type HabitTextsChunk, type HabitTextsReply, type HabitTextsRequest, type HabitTextsSetup } from './habit-texts-protocol.js';
import { RecordSample } from './record-sample.js';

const port = parentPort;
if (!port) throw new Error('habit-texts-worker.js runs as a worker thread');

const setup = workerData as Partial<HabitTextsSetup> | null;
if (typeof setup?.loopPhrases !== 'boolean' || setup.sample === undefined) throw new Error('habit-texts-worker.js is started with { loopPhrases, sample }');
const report = new HabitReportBuilder({ loopPhrases: setup.loopPhrases });
const sample = setup.sample ? new RecordSample(setup.sample) : null;

function textAt(chunk: HabitTextsChunk, at: number, stopped: boolean): CaptionText | null {
  const text = chunk[at];
  if (typeof text !== 'string') return null;
  const score = chunk[at + 1];
  return { text, score: typeof score === 'number' ? score : undefined, stopped };
}

function add(chunk: HabitTextsChunk, expected: number): void {
  if (chunk.length % RECORD_SLOTS !== 0) throw new Error(`a chunk of ${chunk.length} values is not whole records`);
  sample?.expect(expected);
  for (let at = 0; at < chunk.length; at += RECORD_SLOTS) {
    const fileName = chunk[at];
    const scoreModel = chunk[at + 1];
    const flags = chunk[at + 2];
    if (typeof fileName !== 'string') throw new Error(`record ${at / RECORD_SLOTS} of a chunk has no file name`);
    if (typeof flags !== 'number') throw new Error(`record ${at / RECORD_SLOTS} of a chunk has no flags`);
    const texts: CaptionTexts = {
      fileName,
      scoreModel: typeof scoreModel === 'string' ? scoreModel : undefined,
      missing: (flags & RECORD_FLAGS.missing) !== 0,
      alt: textAt(chunk, at + 3, false),
      ssc: textAt(chunk, at + 5, (flags & RECORD_FLAGS.sscStopped) !== 0),
      dsc: textAt(chunk, at + 7, (flags & RECORD_FLAGS.dscStopped) !== 0),
    };
    if (!sample || sample.measures(fileName)) report.addCaptionTexts(texts);
    else report.countCaptionTexts(texts);
  }
}

port.on('message', (request: HabitTextsRequest) => {
  try {
    if ('chunk' in request) {
      add(request.chunk, request.expected);
      port.postMessage({ measured: true } satisfies HabitTextsReply);
    } else {
      port.postMessage({ texts: report.finishTexts() } satisfies HabitTextsReply);
      // Answered: the thread exits on its own (util/end-worker.ts).
      port.close();
    }
  } catch (err) {
    port.postMessage({ error: err instanceof Error ? err.message : String(err) } satisfies HabitTextsReply);
    port.close();
  }
});
