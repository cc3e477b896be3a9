// Caption upsampling: a chat model on an OpenAI-compatible endpoint turns each image's short text (its SSC,
// or its alt-text) into a descriptive caption, written as the image's DSC with `by: "upsample"`.
// Every write goes through the manifest's writeMachineCaption, so a human-written or reviewed DSC is never
// replaced. The model sees text only, never the image: an upsampled DSC elaborates the short text and is
// meant for review, like any machine caption.
import { isProtectedCaption, type ManifestRecord } from '../../shared/record.js';
import type { ManifestAccess } from '../dataset/manifest-access.js';
import { isAbortError } from '../captioner/remote/backoff.js';
import { DEFAULT_CONCURRENCY, describeEndpointModel } from '../captioner/remote/endpoint.js';
import { ChatClient, RemoteRequestError, type ChatClientOptions } from '../captioner/remote/openai-client.js';
import {
  DEFAULT_UPSAMPLE_INSTRUCTION,
  DEFAULT_UPSAMPLE_MAX_TOKENS,
  DEFAULT_UPSAMPLE_TEMPERATURE,
  upsampleMessage,
} from './prompts.js';

/**
 * Where the short text comes from. The default is `ssc`: the recipe upsamples short captions into
 * descriptive ones, and the SSC is the dataset's short caption of the image itself; alt-text is web text
 * of uneven quality (file names, SEO phrases), so it is opt-in.
 */
export type UpsampleSource = 'ssc' | 'alt';
export const DEFAULT_UPSAMPLE_SOURCE: UpsampleSource = 'ssc';

/** missing: only images with no DSC; machine: also replace machine DSCs (human or reviewed ones never). */
export type UpsampleRedo = 'missing' | 'machine';

export interface UpsampleOptions {
  endpoint: ChatClientOptions;
  from?: UpsampleSource;
  redo?: UpsampleRedo;
  /** Only these images (file_name); default every image in the manifest. */
  fileNames?: readonly string[];
  concurrency?: number;
  instruction?: string;
  maxTokens?: number;
  temperature?: number;
  signal?: AbortSignal;
  /** Save every this many ms while running, and at the end (default 5 s). */
  checkpointMs?: number;
  /** false: leave saving to the caller (an editor holding unsaved edits). */
  save?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface UpsampleFailure {
  fileName: string;
  error: string;
}

export interface UpsampleReport {
  /** Images considered (the selection, or the whole manifest). */
  selected: number;
  /** Requests the run had to make. */
  due: number;
  upsampled: number;
  /** No SSC / alt-text to start from. */
  noSource: number;
  /** Already has a DSC and redo is `missing`. */
  alreadyDone: number;
  /** A human wrote or reviewed the DSC: left alone. */
  protected: number;
  failed: UpsampleFailure[];
  /** Selected names that are not in the manifest. */
  unknown: string[];
  cancelled: boolean;
}

function sourceText(record: ManifestRecord, from: UpsampleSource): string | null {
  const text = from === 'ssc' ? record.ssc?.text : record.alt?.text;
  return text && text.trim() !== '' ? text : null;
}

/** Upsamples one short text; for the editor's "upsample this" on arbitrary text. */
export async function upsampleText(
  client: ChatClient,
  text: string,
  options: { instruction?: string; maxTokens?: number; temperature?: number; signal?: AbortSignal } = {},
): Promise<string> {
  return client.complete(
    [{ role: 'user', content: upsampleMessage(options.instruction ?? DEFAULT_UPSAMPLE_INSTRUCTION, text) }],
    { maxTokens: options.maxTokens ?? DEFAULT_UPSAMPLE_MAX_TOKENS, temperature: options.temperature ?? DEFAULT_UPSAMPLE_TEMPERATURE },
    options.signal,
  );
}

/** Runs upsampling over a manifest store; saves as it goes unless `save` is false. */
export async function upsampleStore(store: ManifestAccess, options: UpsampleOptions): Promise<UpsampleReport> {
  const from = options.from ?? DEFAULT_UPSAMPLE_SOURCE;
  const redo = options.redo ?? 'missing';
  const client = new ChatClient(options.endpoint);
  const model = describeEndpointModel(client.baseUrl, client.model);
  const instruction = options.instruction ?? DEFAULT_UPSAMPLE_INSTRUCTION;
  if (instruction.trim() === '') throw new Error('the upsampling instruction is empty');
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be an integer >= 1, got ${concurrency}`);
  const shouldSave = options.save !== false;
  const checkpointMs = options.checkpointMs ?? 5000;

  const report: UpsampleReport = { selected: 0, due: 0, upsampled: 0, noSource: 0, alreadyDone: 0, protected: 0, failed: [], unknown: [], cancelled: false };
  const names = options.fileNames ? [...new Set(options.fileNames)] : [...store.names()];
  const work: Array<{ fileName: string; text: string }> = [];
  for (const fileName of names) {
    const record = store.get(fileName);
    if (!record) {
      report.unknown.push(fileName);
      continue;
    }
    report.selected++;
    const text = sourceText(record, from);
    if (text === null) report.noSource++;
    else if (isProtectedCaption(record.dsc)) report.protected++;
    else if (record.dsc && redo === 'missing') report.alreadyDone++;
    else work.push({ fileName, text });
  }
  report.due = work.length;

  let done = 0;
  let next = 0;
  let lastSave = performance.now();
  let saving: Promise<void> = Promise.resolve();
  const checkpoint = (): Promise<void> => {
    if (!shouldSave || !store.isDirty) return saving;
    lastSave = performance.now();
    saving = saving.then(() => store.save());
    return saving;
  };
  options.onProgress?.(0, work.length);

  const worker = async (): Promise<void> => {
    while (next < work.length && !options.signal?.aborted) {
      const item = work[next++]!;
      try {
        const text = await upsampleText(client, item.text, { instruction, maxTokens: options.maxTokens, temperature: options.temperature, signal: options.signal });
        const outcome = store.writeMachineCaption(item.fileName, 'dsc', { text, by: 'upsample', model });
        if (outcome === 'written') report.upsampled++;
        else report.protected++;
      } catch (err) {
        if (options.signal?.aborted || isAbortError(err)) return;
        const message = err instanceof RemoteRequestError ? err.message : client.redact(String((err as Error)?.message ?? err));
        report.failed.push({ fileName: item.fileName, error: message });
      }
      done++;
      options.onProgress?.(done, work.length);
      if (performance.now() - lastSave >= checkpointMs) await checkpoint();
    }
  };

  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, work.length)) }, worker));
  } finally {
    // Everything done so far is kept, cancelled or not.
    await checkpoint();
  }
  if (options.signal?.aborted) report.cancelled = true;
  return report;
}

