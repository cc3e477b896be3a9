// A worker thread's entry (bundled as dist/habit-texts-worker.js): the habit report of the texts it is sent
// (a dataset's, for Show Caption Report and stats --report), with their defect flags from the same scans.
// Measuring every caption costs about as much as reading the records, so it runs here, on another core;
// the audit stays with the sender.
import { parentPort, workerData } from 'node:worker_threads';
import { HabitTextsReceiver, isHabitTextsSetup, serveTexts } from './habit-texts-receiver.js';
import { lowerThisThreadsPriority } from '../util/helper-thread-priority.js';

const port = parentPort;
if (!port) throw new Error('habit-texts-worker.js runs as a worker thread');
if (!isHabitTextsSetup(workerData)) throw new Error('habit-texts-worker.js is started with { loopPhrases, sample }');
// It serves the thread reading the records (the extension host's, or stats'): util/helper-thread-priority.ts.
lowerThisThreadsPriority();
serveTexts(port, new HabitTextsReceiver(workerData), null, 'the caption habit report: ');
