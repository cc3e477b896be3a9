// The sha256 of the blocks a reader hands over, in order, computed on a worker thread from memory the two
// share: a pass that parses a manifest of a million records on this thread gets its hash on another core,
// and the file is read once, not once per thread. The reader fills a slot, hands it over, and before it
// fills that slot again waits until the thread has hashed it (rarely: hashing is several times faster
// than parsing). A bell word wakes the thread, for half the slots' blocks at a time and for the end.
import { Worker } from 'node:worker_threads';
import { endWorker } from '../util/end-worker.js';
import { firstMessage } from '../util/first-message.js';
import { LOWER_THIS_THREADS_PRIORITY_SOURCE } from '../util/helper-thread-priority.js';

/** Words of the control array. */
const HANDED = 0;
const HASHED = 1;
const END = 2;
const BELL = 3;
const CONTROL_WORDS = 4;

/** Atomics.waitAsync (V8, Node 16 on), which this TypeScript's lib does not declare. */
type WaitAsync = (array: Int32Array, index: number, value: number, timeoutMs?: number) => { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/** Slots a reader fills in turn: the thread is woken for half of them at a time. */
const SLOTS = 8;

/** How often a reader waiting for a slot looks whether the worker has failed. */
const FAILURE_CHECK_MS = 100;

/** END's values besides 0 (still reading): read to the end (answer with the hash), given up (answer nothing). */
const FINISHED = 1;
const GIVEN_UP = 2;

/** The worker's whole program: plain Node, no bundle to find. It may block: it is not the event loop's thread. */
const HASHER = `${LOWER_THIS_THREADS_PRIORITY_SOURCE}
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { slots, control, lengths } = workerData;
const ctl = new Int32Array(control);
const length = new Int32Array(lengths);
const views = slots.map((s) => Buffer.from(s));
const hash = createHash('sha256');
let hashed = 0;
for (;;) {
  // The bell is read before the state, so a change made after this look rings it and the wait returns.
  const bell = Atomics.load(ctl, ${BELL});
  if (hashed < Atomics.load(ctl, ${HANDED})) {
    const slot = hashed % views.length;
    hash.update(views[slot].subarray(0, length[slot]));
    Atomics.store(ctl, ${HASHED}, ++hashed);
    Atomics.notify(ctl, ${HASHED});
    continue;
  }
  const end = Atomics.load(ctl, ${END});
  if (end === ${FINISHED}) {
    parentPort.postMessage({ sha256: hash.digest('hex') });
    break;
  }
  if (end === ${GIVEN_UP}) break;
  Atomics.wait(ctl, ${BELL}, bell);
}
`;

type Answer = { sha256: string };

/** Blocks hashed on a worker thread as a reader hands them over. */
export class HashThread {
  private readonly worker: Worker;
  private readonly control = new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * 4));
  private readonly lengths: Int32Array;
  private handed = 0;
  private answered = false;
  /** Why the worker ended without answering, once it has. */
  private failure: Error | null = null;
  /** The slots the reader fills, in turn: block k goes into slot k % slots.length. */
  readonly slots: Buffer[];
  /** The hash of every block handed over; rejects when the worker fails or is stopped first. */
  readonly digest: Promise<string>;

  constructor(slotBytes: number, slotCount = SLOTS) {
    const shared = Array.from({ length: slotCount }, () => new SharedArrayBuffer(slotBytes));
    this.slots = shared.map((s) => Buffer.from(s));
    this.lengths = new Int32Array(new SharedArrayBuffer(slotCount * 4));
    this.worker = new Worker(HASHER, { eval: true, workerData: { slots: shared, control: this.control.buffer, lengths: this.lengths.buffer } });
    this.digest = firstMessage<Answer>(this.worker, 'the hashing thread').then((answer) => {
      this.answered = true;
      return answer.sha256;
    });
    // Waited for by whoever needs the hash; a pass given up never asks.
    this.digest.catch((err: unknown) => (this.failure = err instanceof Error ? err : new Error(String(err))));
  }

  /** Hands over the next block: the first `length` bytes of its slot. */
  handOver(length: number): void {
    this.lengths[this.handed % this.slots.length] = length;
    this.handed++;
    Atomics.store(this.control, HANDED, this.handed);
    // The thread is woken for half the slots at a time, not for each block: each wake is a switch of threads.
    if (this.handed - Atomics.load(this.control, HASHED) >= this.slots.length / 2) this.ring();
  }

  /** Resolves once the slot the next block goes into is hashed and may be filled (undefined: it is already). */
  slotFree(): Promise<void> | undefined {
    const needed = this.handed - this.slots.length + 1;
    if (Atomics.load(this.control, HASHED) >= needed) return undefined;
    this.ring();
    return this.waitHashed(needed);
  }

  /** Every block is handed over: the digest follows. */
  finish(): void {
    Atomics.store(this.control, END, FINISHED);
    this.ring();
  }

  /** Ends the worker; resolves once it is gone. */
  async stop(): Promise<void> {
    if (!this.answered) {
      Atomics.store(this.control, END, GIVEN_UP);
      this.ring();
    }
    await endWorker(this.worker, () => undefined);
  }

  private ring(): void {
    Atomics.add(this.control, BELL, 1);
    Atomics.notify(this.control, BELL);
  }

  /** Waits until `needed` blocks are hashed; throws if the worker ended first (it is looked at now and then). */
  private async waitHashed(needed: number): Promise<void> {
    for (let seen = Atomics.load(this.control, HASHED); seen < needed; seen = Atomics.load(this.control, HASHED)) {
      if (this.failure) throw this.failure;
      const wait = waitAsync(this.control, HASHED, seen, FAILURE_CHECK_MS);
      if (wait.async) await wait.value;
    }
  }
}
