// A Blob over a byte range of a local file, read only when the client asks (it hashes a file, samples its
// first 512 bytes, streams it to the LFS upload URL or base64s a small one into the commit), so a push never
// holds the dataset in memory. Every read opens the file through DatasetFolder (never through a link, and
// only a regular file still inside the pushed folder) and checks it is still the file that was listed
// (device, inode, size, mtime): a file swapped or rewritten mid-push fails the push instead of sending
// bytes whose hash no longer matches. Node's fetch sends a Blob subclass through its
// size and stream(), which is how uploads are counted: withReadCounter() gives the copy the upload sends.
import type { FileHandle } from 'node:fs/promises';
import { DatasetFileChangedError, type DatasetFolder } from '../dataset/dataset-file.js';
import type { FileIdentity } from './folder-files.js';
import { HubPushError } from './hub-errors.js';

const READ_CHUNK = 256 * 1024;

export type ReadCounter = (blob: LocalFileBlob, bytesRead: number) => void;

export class LocalFileBlob extends Blob {
  private constructor(
    private readonly folder: DatasetFolder,
    readonly relPath: string,
    private readonly absolute: string,
    private readonly identity: FileIdentity,
    private readonly start: number,
    private readonly end: number,
    private readonly onRead: ReadCounter | null,
  ) {
    super();
  }

  /** The file at `relPath` of `folder` (listed as `absolute` with `identity`). */
  static of(folder: DatasetFolder, relPath: string, absolute: string, identity: FileIdentity): LocalFileBlob {
    return new LocalFileBlob(folder, relPath, absolute, identity, 0, identity.size, null);
  }

  /** Where this range starts in the file (a multipart upload sends slices). */
  get offset(): number {
    return this.start;
  }

  override get size(): number {
    return this.end - this.start;
  }

  /** This range with its stream() reads reported to `onRead` (bytes read by that stream so far). */
  withReadCounter(onRead: ReadCounter): LocalFileBlob {
    return new LocalFileBlob(this.folder, this.relPath, this.absolute, this.identity, this.start, this.end, onRead);
  }

  override slice(start = 0, end = this.size): LocalFileBlob {
    const clamp = (n: number) => Math.max(0, Math.min(this.size, n < 0 ? this.size + n : n));
    const from = clamp(start);
    const to = Math.max(from, clamp(end));
    return new LocalFileBlob(this.folder, this.relPath, this.absolute, this.identity, this.start + from, this.start + to, this.onRead);
  }

  private async open(): Promise<FileHandle> {
    const handle = await this.folder.openFile({ relPath: this.relPath, real: this.absolute }).catch((err: NodeJS.ErrnoException) => {
      const why = err instanceof DatasetFileChangedError ? err.message : err.code === 'ELOOP' ? `${this.relPath} became a symbolic link` : `cannot read ${this.relPath}: ${err.message}`;
      throw new HubPushError(`${why}; run the push again`, 'bad-folder');
    });
    const stat = await handle.stat();
    const id = this.identity;
    if (!stat.isFile() || stat.dev !== id.dev || stat.ino !== id.ino || stat.size !== id.size || stat.mtimeMs !== id.mtimeMs) {
      await handle.close();
      throw new HubPushError(`${this.relPath} changed while it was being pushed; run the push again once nothing writes to the folder`, 'bad-folder');
    }
    return handle;
  }

  override async arrayBuffer(): Promise<ArrayBuffer> {
    const handle = await this.open();
    try {
      const buffer = new Uint8Array(this.size);
      let done = 0;
      while (done < buffer.length) {
        const { bytesRead } = await handle.read(buffer, done, buffer.length - done, this.start + done);
        if (bytesRead === 0) throw new HubPushError(`${this.relPath} got shorter while it was being pushed; run the push again`, 'bad-folder');
        done += bytesRead;
      }
      return buffer.buffer;
    } finally {
      await handle.close();
    }
  }

  override async text(): Promise<string> {
    return new TextDecoder().decode(await this.arrayBuffer());
  }

  override stream(): ReadableStream<Uint8Array<ArrayBuffer>> {
    let handle: FileHandle | null = null;
    let position = this.start;
    const close = async () => {
      const h = handle;
      handle = null;
      await h?.close();
    };
    return new ReadableStream<Uint8Array<ArrayBuffer>>({
      pull: async (controller) => {
        try {
          handle ??= await this.open();
          const want = Math.min(READ_CHUNK, this.end - position);
          if (want <= 0) {
            await close();
            controller.close();
            return;
          }
          const chunk = new Uint8Array(want);
          const { bytesRead } = await handle.read(chunk, 0, want, position);
          if (bytesRead === 0) throw new HubPushError(`${this.relPath} got shorter while it was being pushed; run the push again`, 'bad-folder');
          position += bytesRead;
          controller.enqueue(bytesRead === want ? chunk : chunk.slice(0, bytesRead));
          this.onRead?.(this, position - this.start);
        } catch (err) {
          await close().catch(() => undefined);
          controller.error(err);
        }
      },
      cancel: close,
    });
  }
}
