// Downloads a model from the Hugging Face hub (or a mirror speaking its URL layout: HF_ENDPOINT) into a
// cache folder, once: files are fetched to "<name>.part" and renamed when complete; a ".part" left by an
// interrupted run is resumed with an HTTP Range request.
import { createWriteStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { DEFAULT_HUB_ENDPOINT } from '../../hub/hub-endpoint.js';

export interface DownloadProgress {
  file: string;
  /** Bytes of this file on disk so far, and its size when the server said. */
  bytes: number;
  total: number | null;
  /** Files finished, of all the files this download needs. */
  filesDone: number;
  filesTotal: number;
}

export interface HubOptions {
  /** Default: $HF_ENDPOINT or DEFAULT_HUB_ENDPOINT */
  endpoint?: string;
  revision?: string;
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
  /** Injected for tests; default: global fetch. */
  fetch?: typeof fetch;
}

export class HubError extends Error {
  override name = 'HubError';
}

export function hubEndpoint(options: HubOptions): string {
  return (options.endpoint ?? process.env.HF_ENDPOINT ?? DEFAULT_HUB_ENDPOINT).replace(/\/+$/, '');
}

export function offlineHint(id: string): string {
  return (
    `If this machine is offline, download the model where there is a network (e.g. \`huggingface-cli download ${id} --local-dir ${path.basename(id)}\`), ` +
    'copy that folder here and pass the folder instead of the id (--model <folder>, or the recaption.model setting).'
  );
}

async function request(url: string, init: RequestInit, options: HubOptions, id: string): Promise<Response> {
  const f = options.fetch ?? fetch;
  let res: Response;
  try {
    res = await f(url, { ...init, signal: options.signal ?? null, redirect: 'follow' });
  } catch (err) {
    if (options.signal?.aborted) throw err;
    const cause = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
    throw new HubError(`cannot download ${id} from ${hubEndpoint(options)} (${cause}). ${offlineHint(id)}`);
  }
  if (res.status === 401 || res.status === 403) throw new HubError(`${url}: access denied (${res.status}); the model may be gated or private. ${offlineHint(id)}`);
  if (res.status === 404) throw new HubError(`${url}: not found (404). Check the model id "${id}" and the file layout.`);
  return res;
}

/** Paths of the files in a hub repository (the model API's "siblings"). */
export async function listHubFiles(id: string, options: HubOptions = {}): Promise<Set<string>> {
  const revision = options.revision ?? 'main';
  const url = `${hubEndpoint(options)}/api/models/${id}/revision/${encodeURIComponent(revision)}`;
  const res = await request(url, {}, options, id);
  if (!res.ok) throw new HubError(`${url}: HTTP ${res.status}`);
  const body = (await res.json()) as { siblings?: { rfilename?: string }[] };
  return new Set((body.siblings ?? []).map((s) => s.rfilename).filter((f): f is string => typeof f === 'string'));
}

/** Downloads `files` of `id` into `folder`, skipping complete ones and resuming partial ones. */
export async function downloadHubFiles(id: string, files: readonly string[], folder: string, options: HubOptions = {}): Promise<void> {
  const revision = options.revision ?? 'main';
  let filesDone = 0;
  for (const file of files) {
    const target = path.join(folder, ...file.split('/'));
    if (await exists(target)) {
      filesDone++;
      continue;
    }
    await fs.mkdir(path.dirname(target), { recursive: true });
    const part = `${target}.part`;
    const have = (await fs.stat(part).catch(() => null))?.size ?? 0;
    const url = `${hubEndpoint(options)}/${id}/resolve/${encodeURIComponent(revision)}/${file.split('/').map(encodeURIComponent).join('/')}`;
    const res = await request(url, have > 0 ? { headers: { Range: `bytes=${have}-` } } : {}, options, id);
    if (res.status === 416) {
      // The part file is already complete (or longer than the file): start again to be safe.
      await fs.rm(part, { force: true });
      throw new HubError(`${url}: the server refused to resume (416); run again to download ${file} afresh`);
    }
    if (!res.ok || !res.body) throw new HubError(`${url}: HTTP ${res.status}`);
    const resumed = res.status === 206;
    const start = resumed ? have : 0;
    const length = Number(res.headers.get('content-length'));
    const total = Number.isFinite(length) && length > 0 ? start + length : null;
    let bytes = start;
    const body = Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>);
    body.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      options.onProgress?.({ file, bytes, total, filesDone, filesTotal: files.length });
    });
    await pipeline(body, createWriteStream(part, { flags: resumed ? 'a' : 'w' }), { signal: options.signal });
    if (total !== null && bytes !== total) throw new HubError(`${url}: download ended at ${bytes} of ${total} bytes; run again to resume`);
    await fs.rename(part, target);
    filesDone++;
    options.onProgress?.({ file, bytes, total, filesDone, filesTotal: files.length });
  }
}

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
}
