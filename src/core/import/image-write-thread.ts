// The import's image writer (a thread of its own, started as dist/import-worker.js with the writer's role):
// writes each job's images with blocking calls, one after another, so that creating and filling a file
// costs its system calls and nothing more: no trip through libuv's four threads per call, which the
// import's header reads (sharp) share, and no promise per call on the import's thread.
//
// Each image goes straight to its name in the source file's partial folder (hidden, the import's own):
// no temp file, no rename, no fsync of its own. A killed write leaves a short file there, which the next
// run finds and replaces; the folder's files are made durable a batch at a time (import-commits.ts)
// before any unit that holds them is recorded. A name that already holds a file is an earlier run's:
// kept when it holds exactly these bytes (the image is not rewritten), replaced when it does not (a write
// cut short, or a block lost with the power). Exclusive creates and unlink-then-create never follow a
// link planted under the name.
import { closeSync, constants, fstatSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import type { MessagePort } from 'node:worker_threads';
import type { WriteJob, WriteReply, WrittenImage } from './image-write-protocol.js';

/** Bytes compared at a time when an earlier run's file is checked. */
const COMPARE_CHUNK = 4 << 20;

function create(target: string, bytes: Uint8Array): number {
  const fd = openSync(target, 'wx', 0o644);
  try {
    for (let at = 0; at < bytes.length; ) {
      const wrote = writeSync(fd, bytes, at, bytes.length - at);
      // A write that takes nothing and reports no error only happens on a full disk.
      if (wrote <= 0) throw Object.assign(new Error(`ENOSPC: no space left on device, write '${target}'`), { code: 'ENOSPC' });
      at += wrote;
    }
    const stat = fstatSync(fd);
    if (stat.size !== bytes.length) throw Object.assign(new Error(`wrote ${stat.size} of ${bytes.length} bytes to '${target}'`), { code: 'ENOSPC' });
    return stat.mtimeMs;
  } finally {
    closeSync(fd);
  }
}

/** The mtime of the regular file at `target` when it holds exactly `bytes`, else null. */
function sameFile(target: string, bytes: Uint8Array): number | null {
  let fd: number;
  try {
    fd = openSync(target, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch {
    return null;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.size !== bytes.length) return null;
    const chunk = Buffer.allocUnsafe(Math.min(COMPARE_CHUNK, bytes.length));
    for (let at = 0; at < bytes.length; ) {
      const got = readSync(fd, chunk, 0, Math.min(chunk.length, bytes.length - at), at);
      if (got === 0 || Buffer.compare(chunk.subarray(0, got), bytes.subarray(at, at + got)) !== 0) return null;
      at += got;
    }
    return stat.mtimeMs;
  } finally {
    closeSync(fd);
  }
}

/** Writes `bytes` under `name` in `dir`, or keeps what an earlier run wrote there when it is the same. */
export function writeImageFileSync(dir: string, name: string, bytes: Uint8Array): WrittenImage {
  const target = path.join(dir, name);
  try {
    return { outcome: 'written', mtimeMs: create(target, bytes) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const kept = sameFile(target, bytes);
  if (kept !== null) return { outcome: 'kept', mtimeMs: kept };
  unlinkSync(target);
  return { outcome: 'written', mtimeMs: create(target, bytes) };
}

function run(job: WriteJob): WriteReply {
  const written: WrittenImage[] = [];
  for (const file of job.files) {
    try {
      written.push(writeImageFileSync(job.dir, file.name, file.bytes));
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      return { seq: job.seq, ok: false, file: path.join(job.dir, file.name), ...(e.code ? { code: e.code } : {}), message: e.message ?? String(err) };
    }
  }
  return { seq: job.seq, ok: true, written };
}

export function serveImageWrites(port: MessagePort): void {
  port.on('message', (job: WriteJob) => port.postMessage(run(job) satisfies WriteReply));
}
