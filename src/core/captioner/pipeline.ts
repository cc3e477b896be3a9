// The captioning run, over any CaptionBackend (local ONNX model or remote endpoint): images are decoded
// and preprocessed ahead of inference into a bounded queue, inference runs in batches, results go into the
// manifest store (which refuses to replace human or reviewed captions) and are checkpointed every few
// seconds and at the end. Cancelling stops after the batch in flight; everything finished is kept, and
// the next run resumes by skipping what is done. An image that fails records its error and the run goes on.
import * as path from 'node:path';
import {
  CAPTION_KINDS,
  isMachineAuthor,
  isProtectedCaption,
  type CaptionKind,
  type ManifestRecord,
} from '../../shared/record.js';
import { ManifestStore } from '../dataset/manifest-store.js';
import { DatasetFolder, describeRefusal, isRefusal } from '../dataset/dataset-file.js';
import type { ManifestAccess } from '../dataset/manifest-access.js';
import { BackendStoppedError, type CaptionBackend, type CaptionResult, type PreparedImage } from './backend.js';
import { captionTooLongMessage, MAX_CAPTION_CHARS } from '../../shared/limits.js';
import { errorLine } from '../util/error-line.js';

/**
 * missing: caption what has no caption (and machine captions of images whose content changed);
 * machine: also redo every machine caption (human-written and reviewed ones stay);
 * errors: like missing, and retry images whose last attempt failed.
 */
export type RedoPolicy = 'missing' | 'machine' | 'errors';
export const REDO_POLICIES: readonly RedoPolicy[] = ['missing', 'machine', 'errors'];

export interface CaptioningProgress {
  /** Images processed (captioned or failed) of those due in this run. */
  done: number;
  total: number;
  imagesPerSecond: number;
  captioned: number;
  errors: number;
  protected: number;
  /** The last image processed. */
  fileName?: string;
}

export interface CaptioningOptions {
  /** The dataset folder: images are read from it by their manifest file_name. */
  folder: string;
  /**
   * The manifest to work on. Default: ManifestStore.open(folder). An editor that already holds the
   * folder's store passes it here; the run then changes that store in place, only through
   * writeMachineCaption (which refuses protected captions), setError and put (to clear `stale`), all on the
   * calling thread between awaits, so edits the editor makes meanwhile are never lost or overwritten by a
   * machine. After each batch `onRecordsChanged` names the records it touched. Persisting is `checkpoint`'s
   * job: by default store.save() when dirty; an editor with unsaved human edits passes its own (or false
   * and saves itself).
   */
  store?: ManifestAccess;
  backend: CaptionBackend;
  /** Default: every kind the backend can write (ssc and dsc). */
  tasks?: readonly CaptionKind[];
  redo?: RedoPolicy;
  /** Images per inference batch; 0 or absent: the backend's default. */
  batchSize?: number;
  /** Images decoded ahead of inference (queue bound); default 2 x batch size. */
  prefetch?: number;
  /** Cancels after the batch in flight; finished work is kept and checkpointed. */
  signal?: AbortSignal;
  onProgress?: (progress: CaptioningProgress) => void;
  onRecordsChanged?: (fileNames: readonly string[]) => void;
  /** Checkpoint interval (default 5000 ms). */
  checkpointMs?: number;
  checkpoint?: ((store: ManifestAccess) => Promise<void>) | false;
  /** Restrict the run to these file names (default: every record). */
  only?: readonly string[];
  /**
   * Read images that resolve outside the dataset folder (the user's choice, as for the scan). Off: such an
   * image (a link made after the scan) is that image's error, and its bytes never reach a model or an endpoint.
   */
  followExternalLinks?: boolean;
}

export interface CaptioningSummary {
  /** Records in the manifest, and those with work due in this run. */
  records: number;
  due: number;
  /** Images whose due captions were all written. */
  captioned: number;
  captionsWritten: number;
  /** Captions left alone because a human wrote or reviewed them. */
  protected: number;
  errors: number;
  cancelled: boolean;
  tasks: CaptionKind[];
  device: string;
  model: string;
  batchSize: number;
  seconds: number;
  imagesPerSecond: number;
}

interface WorkItem {
  fileName: string;
  tasks: CaptionKind[];
}

type QueuedItem = { work: WorkItem; image: PreparedImage } | { work: WorkItem; error: string } | { work: WorkItem; stopped: BackendStoppedError };

/** What a record needs from this run, and how many of its captions are protected from it. */
export function dueTasks(record: ManifestRecord, tasks: readonly CaptionKind[], redo: RedoPolicy): { due: CaptionKind[]; protectedCount: number } {
  const due: CaptionKind[] = [];
  let protectedCount = 0;
  if (record.missing) return { due, protectedCount };
  if (record.error !== null && redo !== 'errors') return { due, protectedCount };
  for (const kind of tasks) {
    const caption = record[kind];
    if (caption === null) {
      due.push(kind);
      continue;
    }
    const wantsRedo = redo === 'machine' || (record.stale === true && isMachineAuthor(caption.by));
    if (!wantsRedo) continue;
    if (isProtectedCaption(caption)) protectedCount++;
    else if (isMachineAuthor(caption.by)) due.push(kind);
  }
  return { due, protectedCount };
}

/** A FIFO with a size bound: push waits while full; close releases every waiter. */
class BoundedQueue<T> {
  private readonly items: T[] = [];
  private closed = false;
  private readonly waiters: (() => void)[] = [];

  constructor(private readonly capacity: number) {}

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** False when the queue was closed (the item is dropped). */
  async push(item: T): Promise<boolean> {
    while (!this.closed && this.items.length >= this.capacity) await this.wait();
    if (this.closed) return false;
    this.items.push(item);
    this.wake();
    return true;
  }

  /** The next item without removing it; undefined when closed and empty. */
  async peek(): Promise<T | undefined> {
    while (!this.closed && this.items.length === 0) await this.wait();
    return this.items[0];
  }

  async shift(): Promise<T | undefined> {
    const item = await this.peek();
    if (item !== undefined) {
      this.items.shift();
      this.wake();
    }
    return item;
  }

  close(): void {
    this.closed = true;
    this.wake();
  }
}


function isAbort(err: unknown, signal?: AbortSignal): boolean {
  return signal?.aborted === true || (err instanceof Error && err.name === 'AbortError');
}

export async function runCaptioning(options: CaptioningOptions): Promise<CaptioningSummary> {
  if (options.store) return captionInto(options.store, options);
  // A manifest this run opened is closed by it: the file is not held open after the run.
  const store = await ManifestStore.open(options.folder);
  try {
    return await captionInto(store, options);
  } finally {
    store.close();
  }
}

async function captionInto(store: ManifestAccess, options: CaptioningOptions): Promise<CaptioningSummary> {
  const started = performance.now();
  const { backend, signal } = options;
  const redo = options.redo ?? 'missing';
  const supported = backend.tasks ?? CAPTION_KINDS;
  const requested = options.tasks ?? supported;
  const tasks = requested.filter((t) => supported.includes(t));
  if (!tasks.length) throw new Error(`${backend.modelId} cannot write ${requested.join(', ').toUpperCase() || 'any caption'} (it writes ${supported.join(', ').toUpperCase()})`);
  const batchSize = Math.max(1, options.batchSize || backend.defaultBatchSize);
  const prefetch = Math.max(1, options.prefetch ?? 2 * batchSize);
  const checkpointMs = options.checkpointMs ?? 5000;
  const checkpoint = options.checkpoint === false ? null : (options.checkpoint ?? (async (s: ManifestAccess) => (s.isDirty ? s.save() : undefined)));

  const only = options.only ? new Set(options.only) : null;
  const work: WorkItem[] = [];
  let protectedCount = 0;
  for (const record of store.records()) {
    if (only && !only.has(record.file_name)) continue;
    const { due, protectedCount: p } = dueTasks(record, tasks, redo);
    protectedCount += p;
    if (due.length) work.push({ fileName: record.file_name, tasks: due });
  }

  const summary: CaptioningSummary = {
    records: store.size,
    due: work.length,
    captioned: 0,
    captionsWritten: 0,
    protected: protectedCount,
    errors: 0,
    cancelled: false,
    tasks,
    device: backend.device,
    model: backend.modelId,
    batchSize,
    seconds: 0,
    imagesPerSecond: 0,
  };
  let done = 0;
  const report = (fileName?: string) => {
    const seconds = (performance.now() - started) / 1000;
    options.onProgress?.({
      done,
      total: work.length,
      imagesPerSecond: seconds > 0 ? done / seconds : 0,
      captioned: summary.captioned,
      errors: summary.errors,
      protected: summary.protected,
      fileName,
    });
  };
  report();

  // Producer: decode ahead, a few at a time (sharp works on libuv threads), in manifest order.
  const queue = new BoundedQueue<QueuedItem>(prefetch);
  const prepareConcurrency = Math.min(4, prefetch);
  const dataset = await DatasetFolder.open(options.folder, { followExternalLinks: options.followExternalLinks === true });
  const prepare = async (item: WorkItem): Promise<QueuedItem> => {
    try {
      const file = await dataset.resolve(item.fileName);
      if (isRefusal(file) && file.refused === 'outside') return { work: item, error: describeRefusal(item.fileName, file, 'recaption.followExternalLinks or --follow-external-links') };
      // A missing file or one that is not a file (a FIFO) gets the backend's own, more precise error.
      const source = isRefusal(file) ? path.join(options.folder, ...item.fileName.split('/')) : file.real;
      return { work: item, image: await backend.prepare(source, item.fileName) };
    } catch (err) {
      // The backend itself died: not this image's fault, and nothing more can be done in this run.
      if (err instanceof BackendStoppedError) return { work: item, stopped: err };
      return { work: item, error: errorLine(err, 500) };
    }
  };
  const producer = (async () => {
    const window: Promise<QueuedItem>[] = [];
    for (const item of work) {
      if (signal?.aborted) break;
      window.push(prepare(item));
      if (window.length >= prepareConcurrency && !(await queue.push(await window.shift()!))) break;
    }
    while (window.length && !signal?.aborted) if (!(await queue.push(await window.shift()!))) break;
    await Promise.allSettled(window);
    queue.close();
  })();

  const recordError = (fileName: string, error: string) => {
    if (store.get(fileName)) store.setError(fileName, error);
    summary.errors++;
  };

  const applyResult = (item: WorkItem, result: CaptionResult) => {
    // A shared store may have lost the record meanwhile (an editor's undo of a scan): nothing to write.
    if (!store.get(item.fileName)) return;
    if (!result.ok) return recordError(item.fileName, result.error);
    const missing = item.tasks.filter((k) => !result.captions[k]);
    // A caption over the one length limit is that image's error, never a failed run.
    const tooLong = item.tasks.flatMap((k) => (result.captions[k] && result.captions[k]!.length > MAX_CAPTION_CHARS ? [captionTooLongMessage(item.fileName, k, result.captions[k]!.length)] : []));
    if (tooLong.length) return recordError(item.fileName, tooLong.join('; '));
    const written = new Set<CaptionKind>();
    for (const kind of item.tasks) {
      const text = result.captions[kind];
      if (!text) continue;
      const finish = result.finish?.[kind];
      const outcome = store.writeMachineCaption(item.fileName, kind, { text, by: 'model', model: backend.modelId, ...(finish ? { finish } : {}) });
      if (outcome === 'written') {
        summary.captionsWritten++;
        written.add(kind);
      } else summary.protected++;
    }
    if (missing.length) {
      const why = missing.map((k) => result.failures?.[k] ?? `no ${k.toUpperCase()} came back from the model`);
      return recordError(item.fileName, why.join('; '));
    }
    store.setError(item.fileName, null);
    summary.captioned++;
    const record = store.get(item.fileName);
    if (record?.stale && CAPTION_KINDS.every((k) => written.has(k) || record[k] === null || !isMachineAuthor(record[k]!.by))) {
      const { stale: _stale, ...rest } = record;
      store.put(rest as ManifestRecord);
    }
  };

  let lastCheckpoint = performance.now();
  let stopped: BackendStoppedError | null = null;
  const sameTasks = (a: WorkItem, b: WorkItem) => a.tasks.length === b.tasks.length && a.tasks.every((t, i) => t === b.tasks[i]);
  try {
    for (;;) {
      if (signal?.aborted) break;
      // Take up to batchSize images that need the same tasks; decode failures are recorded on the way.
      const batch: { work: WorkItem; image: PreparedImage }[] = [];
      const touched: string[] = [];
      for (;;) {
        const next = batch.length ? await queue.peek() : await queue.shift();
        if (next === undefined) break;
        if ('stopped' in next) {
          stopped = next.stopped;
          break;
        }
        if (batch.length) {
          if ('image' in next && !sameTasks(next.work, batch[0]!.work)) break;
          await queue.shift();
        }
        if ('error' in next) {
          recordError(next.work.fileName, next.error);
          touched.push(next.work.fileName);
          done++;
          report(next.work.fileName);
          if (!batch.length) break;
          continue;
        }
        batch.push(next);
        if (batch.length >= batchSize) break;
      }
      if (stopped || (!batch.length && !touched.length)) break;
      if (batch.length) {
        let results: CaptionResult[];
        try {
          results = await backend.caption(batch.map((b) => b.image), batch[0]!.work.tasks, signal);
        } catch (err) {
          if (isAbort(err, signal)) break;
          if (err instanceof BackendStoppedError) {
            stopped = err;
            break;
          }
          const error = errorLine(err, 500);
          results = batch.map(() => ({ ok: false, error }));
        }
        batch.forEach((b, i) => {
          applyResult(b.work, results[i] ?? { ok: false, error: 'the backend returned no result for this image' });
          touched.push(b.work.fileName);
        });
        done += batch.length;
        report(batch[batch.length - 1]!.work.fileName);
      }
      options.onRecordsChanged?.(touched);
      if (checkpoint && performance.now() - lastCheckpoint >= checkpointMs) {
        await checkpoint(store);
        lastCheckpoint = performance.now();
      }
    }
  } finally {
    summary.cancelled = signal?.aborted === true && done < work.length;
    queue.close();
    await producer;
  }
  if (checkpoint) await checkpoint(store);
  if (stopped) {
    const kept = summary.captioned ? `the ${summary.captioned} images captioned before it are saved; ` : '';
    throw new BackendStoppedError(`${stopped.message}. ${kept}run it again to resume`);
  }
  summary.device = backend.device;
  summary.seconds = (performance.now() - started) / 1000;
  summary.imagesPerSecond = summary.seconds > 0 ? done / summary.seconds : 0;
  return summary;
}
