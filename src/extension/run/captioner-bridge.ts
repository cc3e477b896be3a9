// The one place the extension calls into src/core/captioner: load a backend for the settings, and run it
// over a manifest store. Kept small so the captioner's API can move without touching the job manager.
import * as path from 'node:path';
import type { CaptionBackend, PreparedImage } from '../../core/captioner/backend.js';
import type { ManifestStore } from '../../core/dataset/manifest-store.js';
import type { CaptionKind, ManifestRecord } from '../../shared/record.js';
import type { RedoMode, RunSettings } from './settings.js';

export interface RunProgress {
  done: number;
  total: number;
  imagesPerSecond: number;
}

export interface CaptionRunOptions {
  folder: string;
  store: ManifestStore;
  backend: CaptionBackend;
  tasks: CaptionKind[];
  redo: RedoMode;
  batchSize: number;
  signal: AbortSignal;
  onProgress: (p: RunProgress) => void;
  checkpointMs?: number;
}

export interface CaptionRunResult {
  captioned: number;
  failed: number;
  protectedSkipped: number;
  cancelled: boolean;
}

export async function loadBackend(settings: RunSettings, _modelCacheDir: string, signal: AbortSignal): Promise<CaptionBackend> {
  signal.throwIfAborted();
  throw new Error(`The local captioner is not available in this build (model ${settings.model}).`);
}

function needsWork(record: ManifestRecord, tasks: readonly CaptionKind[], redo: RedoMode): boolean {
  if (record.missing) return false;
  if (redo === 'errors') return record.error !== null;
  return tasks.some((k) => {
    const c = record[k];
    if (c === null) return true;
    return redo === 'machine' && (c.by === 'model' || c.by === 'upsample') && c.review === null;
  }) || (record.error !== null && redo !== 'missing');
}

/** Captions what the store still needs, checkpointing to disk; cancelling stops after the batch in flight. */
export async function runCaptioning(o: CaptionRunOptions): Promise<CaptionRunResult> {
  const todo = [...o.store.records()].filter((r) => needsWork(r, o.tasks, o.redo)).map((r) => r.file_name);
  const result: CaptionRunResult = { captioned: 0, failed: 0, protectedSkipped: 0, cancelled: false };
  const batchSize = o.batchSize > 0 ? o.batchSize : o.backend.defaultBatchSize;
  const started = Date.now();
  let lastSave = Date.now();
  o.onProgress({ done: 0, total: todo.length, imagesPerSecond: 0 });
  for (let i = 0; i < todo.length; i += batchSize) {
    if (o.signal.aborted) {
      result.cancelled = true;
      break;
    }
    const names = todo.slice(i, i + batchSize);
    const prepared: PreparedImage[] = [];
    for (const name of names) {
      try {
        prepared.push(await o.backend.prepare(path.join(o.folder, ...name.split('/')), name));
      } catch (err) {
        o.store.setError(name, (err as Error).message);
        result.failed++;
      }
    }
    const results = prepared.length > 0 ? await o.backend.caption(prepared, o.tasks) : [];
    results.forEach((r, j) => {
      const name = prepared[j]!.fileName;
      if (!r.ok) {
        o.store.setError(name, r.error);
        result.failed++;
        return;
      }
      for (const kind of o.tasks) {
        const text = r.captions[kind];
        if (text === undefined) continue;
        const outcome = o.store.writeMachineCaption(name, kind, { text, by: 'model', model: o.backend.modelId });
        if (outcome === 'protected') result.protectedSkipped++;
      }
      o.store.setError(name, null);
      result.captioned++;
    });
    const done = Math.min(todo.length, i + names.length);
    o.onProgress({ done, total: todo.length, imagesPerSecond: done / Math.max(0.001, (Date.now() - started) / 1000) });
    if (Date.now() - lastSave > (o.checkpointMs ?? 5000)) {
      await o.store.save();
      lastSave = Date.now();
    }
  }
  await o.store.save();
  return result;
}
