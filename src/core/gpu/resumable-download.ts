// A large download that survives being stopped: bytes go to `<dest>.partial`, a later call asks the server
// for the rest (an HTTP Range request) and starts over if it will not give it; the whole file's size and
// SHA-512 must then match what the feed says, or it is removed and refused. Only then is it renamed to
// `dest`, so a file under the final name is always a whole, checked one.
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';

export class DownloadError extends Error {
  override name = 'DownloadError';
  constructor(
    message: string,
    readonly code: 'network' | 'http' | 'checksum' | 'size',
  ) {
    super(message);
  }
}

export interface DownloadProgress {
  received: number;
  total: number;
  /** Bytes that an earlier, interrupted download had already fetched. */
  resumedFrom: number;
}

export interface DownloadOptions {
  size: number;
  /** Base64 SHA-512 of the whole file. */
  sha512: string;
  onProgress?: (progress: DownloadProgress) => void;
  signal?: AbortSignal;
}

async function sha512Of(file: string): Promise<string> {
  const hash = createHash('sha512');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('base64');
}

/** Downloads `url` to `dest` (resuming `<dest>.partial`), checked against `size` and `sha512`. */
export async function downloadResumable(url: string, dest: string, options: DownloadOptions): Promise<{ resumedFrom: number }> {
  const partial = `${dest}.partial`;
  if (await fs.stat(dest).then((s) => s.size === options.size, () => false)) {
    if ((await sha512Of(dest)) === options.sha512) return { resumedFrom: options.size };
    await fs.rm(dest, { force: true });
  }
  let have = await fs.stat(partial).then((s) => s.size, () => 0);
  if (have > options.size) {
    await fs.rm(partial, { force: true });
    have = 0;
  }
  const resumedFrom = have;
  if (have < options.size) {
    let response: Response;
    try {
      response = await fetch(url, { signal: options.signal, headers: have > 0 ? { range: `bytes=${have}-` } : {} });
    } catch (err) {
      if (options.signal?.aborted) throw err;
      throw new DownloadError(`cannot download ${url}: ${(err as Error).message}`, 'network');
    }
    if (response.status === 200 && have > 0) have = 0; // the server sends it all again: start over
    else if (response.status === 206) {
      const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
      if (!range || Number(range[1]) !== have) {
        await response.body?.cancel();
        throw new DownloadError(`${url} answered a range that does not continue the partial download`, 'http');
      }
    } else if (response.status !== 200) {
      await response.body?.cancel();
      throw new DownloadError(`${url} answered HTTP ${response.status}`, 'http');
    }
    const file = await fs.open(partial, have > 0 ? 'a' : 'w');
    let received = have;
    try {
      const reader = response.body!.getReader();
      for (;;) {
        const next = await reader.read();
        if (next.done) break;
        received += next.value.length;
        if (received > options.size) {
          await reader.cancel();
          throw new DownloadError(`${url} sent more than the ${options.size} bytes the feed lists`, 'size');
        }
        await file.write(next.value);
        options.onProgress?.({ received, total: options.size, resumedFrom });
      }
    } catch (err) {
      if (err instanceof DownloadError) await fs.rm(partial, { force: true });
      else if (!options.signal?.aborted) throw new DownloadError(`the download of ${url} broke off at ${received} of ${options.size} bytes (${(err as Error).message}); run it again to resume`, 'network');
      throw err;
    } finally {
      await file.close();
    }
    if (received < options.size) throw new DownloadError(`the download of ${url} ended at ${received} of ${options.size} bytes; run it again to resume`, 'network');
  }
  if ((await sha512Of(partial)) !== options.sha512) {
    await fs.rm(partial, { force: true });
    throw new DownloadError(`the download of ${url} does not match the SHA-512 the feed lists; it was removed`, 'checksum');
  }
  await fs.rename(partial, dest);
  return { resumedFrom };
}
