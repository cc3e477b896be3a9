// How a manifest's index gets built: in this thread (the CLI, tests, runs), or in a worker thread (the
// extension host, which every extension shares: the pass over a million lines parses each one, and in a
// worker that work and its garbage stay off the host's event loop and heap). Both build the same index
// with the same IndexBuilder.
import type { Worker } from 'node:worker_threads';
import { IndexBuilder, INDEX_BLOCK_BYTES, type ManifestIndex } from './manifest-index.js';
import { ManifestChangedError, type FileLineSource } from './line-source.js';
import { columnBuffers, RecordColumns, type RecordColumnsData } from './record-columns.js';
import type { ManifestProblem } from './manifest-codec.js';

/** Builds the index of an open manifest file. Throws ManifestChangedError when the file shrinks under it. */
export type ManifestIndexer = (source: FileLineSource) => Promise<ManifestIndex>;

/**
 * Indexes `size` bytes read block by block through `read` (which answers how many bytes it put in the
 * block); a read of 0 before the end means the file got shorter under the index.
 */
export async function buildIndex(size: number, read: (block: Buffer, position: number) => number | Promise<number>): Promise<ManifestIndex> {
  const builder = new IndexBuilder();
  const block = Buffer.allocUnsafe(INDEX_BLOCK_BYTES);
  for (let position = 0; position < size; ) {
    const n = await read(block.subarray(0, Math.min(block.length, size - position)), position);
    if (n === 0) throw new ManifestChangedError('the manifest got shorter while it was read');
    builder.add(block.subarray(0, n));
    position += n;
  }
  return builder.finish();
}

/** Indexes on this thread; the reads are asynchronous, so the event loop gets a turn between blocks. */
export const indexInThread: ManifestIndexer = (source) => buildIndex(source.stamp.size, (block, position) => source.readAsync(block, position));

/** What an index worker is started with. */
export interface IndexWorkerData {
  /** The manifest's open descriptor (threads of a process share descriptors). */
  fd: number;
  /** Bytes to index: the file's size when it was opened. */
  size: number;
}

/** What an index worker answers: the index with its arrays as plain data, or why it could not build one. */
export type IndexWorkerReply =
  | { ok: true; index: PackedIndex }
  | { ok: false; changed: boolean; message: string };

export interface PackedIndex {
  names: string[];
  offsets: Float64Array;
  lengths: Uint32Array;
  columns: RecordColumnsData;
  problems: ManifestProblem[];
  eol: '\n' | '\r\n';
  hadBom: boolean;
  bytes: number;
}

export function packIndex(index: ManifestIndex): { packed: PackedIndex; transfer: ArrayBuffer[] } {
  const columns = index.columns.toData();
  const packed: PackedIndex = { ...index, columns };
  const buffers = [index.offsets.buffer, index.lengths.buffer, ...columnBuffers(columns)];
  // Only whole buffers can move, and each only once.
  const transfer = [...new Set(buffers)].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer && b.byteLength > 0);
  return { packed, transfer };
}

export function unpackIndex(packed: PackedIndex): ManifestIndex {
  const { names, offsets, lengths } = packed;
  if (!Array.isArray(names) || offsets.length !== names.length || lengths.length !== names.length) throw new Error('the index worker sent arrays that do not match');
  return { ...packed, columns: RecordColumns.fromData(packed.columns) };
}

/**
 * An indexer that builds in a worker. `start` starts the worker script (index-worker.ts, bundled as
 * dist/index-worker.js in the product) with the data it needs.
 */
export function indexInWorker(start: (data: IndexWorkerData) => Worker): ManifestIndexer {
  return (source) =>
    new Promise<ManifestIndex>((resolve, reject) => {
      const worker = start({ fd: source.descriptorForWorker, size: source.stamp.size });
      let settled = false;
      const settle = (done: () => void) => {
        if (settled) return;
        settled = true;
        done();
      };
      worker.once('message', (reply: IndexWorkerReply) =>
        settle(() => {
          if (!reply.ok) return reject(reply.changed ? new ManifestChangedError(reply.message) : new Error(reply.message));
          try {
            resolve(unpackIndex(reply.index));
          } catch (err) {
            reject(err as Error);
          }
        }),
      );
      worker.once('error', (err) => settle(() => reject(err)));
      worker.once('exit', (code) => settle(() => reject(new Error(`the index worker stopped (exit code ${code}) before it answered`))));
    });
}
