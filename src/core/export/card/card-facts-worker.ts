// A worker thread's entry (bundled as dist/card-facts-worker.js): measures the texts of the lines of the
// manifest an export wrote, for its card's habit report, read through the export's own descriptor. The
// export parses each line for its output on its thread; measuring every caption costs more than the
// export's own work, so it runs here, on another core (the cheap counts of whole records stay there).
import { readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { ManifestRecord } from '../../../shared/record.js';
import { ManifestLineParser } from '../../dataset/manifest-codec.js';
import { HabitReportBuilder } from '../../analysis/habit-report.js';
import type { CardFactsReply, CardFactsRequest, CardFactsWorkerData } from './card-facts-protocol.js';

/** Bytes read at a time: lines are read in file order, mostly one after the other. */
const WINDOW_BYTES = 4 << 20;

const port = parentPort;
if (!port) throw new Error('card-facts-worker.js runs as a worker thread');
const { fd, size } = workerData as CardFactsWorkerData;

const texts = new HabitReportBuilder();
let parsed: ManifestRecord | null = null;
// The lines are a later part of the file (no byte-order mark to take off); names were checked by the export.
const parser = new ManifestLineParser((record) => (parsed = record), false, false);
let window = Buffer.allocUnsafe(Math.min(WINDOW_BYTES, Math.max(size, 1)));
let windowStart = 0;
let windowEnd = 0;

/** The bytes of [offset, offset + length), read into the window when they are not in it. */
function bytesAt(offset: number, length: number): Buffer {
  if (offset < windowStart || offset + length > windowEnd) {
    if (offset + length > size) throw new Error(`a line at byte ${offset} reaches past the file's ${size} bytes`);
    if (length > window.length) window = Buffer.allocUnsafe(length);
    const want = Math.min(window.length, size - offset);
    let got = 0;
    while (got < want) {
      const n = readSync(fd, window, got, want - got, offset + got);
      if (n === 0) throw new Error('the manifest got shorter while the card read it');
      got += n;
    }
    windowStart = offset;
    windowEnd = offset + got;
  }
  return window.subarray(offset - windowStart, offset - windowStart + length);
}

function add(spans: Float64Array): void {
  for (let i = 0; i < spans.length; i += 2) {
    parsed = null;
    parser.add(bytesAt(spans[i]!, spans[i + 1]!).toString('utf8'));
    // The export parsed the same bytes into a record: anything else means they changed under it.
    if (parsed === null) throw new Error(`the line at byte ${spans[i]} is no longer a record: the manifest changed while it was exported`);
    texts.addTexts(parsed);
  }
}

port.on('message', (request: CardFactsRequest) => {
  try {
    if ('spans' in request) add(request.spans);
    else port.postMessage({ texts: texts.finishTexts() } satisfies CardFactsReply);
  } catch (err) {
    port.postMessage({ error: err instanceof Error ? err.message : String(err) } satisfies CardFactsReply);
    port.close();
  }
});
