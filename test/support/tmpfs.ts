// A real small file system for fault tests: a tmpfs mounted for one test (root on Linux only), and a way to
// fill it so that only a given number of bytes stay free.
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { makeTempDir, removeDir } from './temp-dataset.js';

export function canMount(): boolean {
  if (process.getuid?.() !== 0 || process.platform !== 'linux') return false;
  try {
    execFileSync('mount', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function withTmpfs(sizeKb: number, fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await makeTempDir('recaption-mount-');
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k`, 'tmpfs', dir]);
  try {
    await fn(dir);
  } finally {
    execFileSync('umount', [dir]);
    await removeDir(dir);
  }
}

export async function freeBytes(dir: string): Promise<number> {
  const s = await fs.statfs(dir);
  return s.bavail * s.bsize;
}

const FILLER = '.filler';

/** Fills the file system holding `dir` until about `free` bytes are left (tmpfs counts whole pages). */
export async function fillUntilFree(dir: string, free: number): Promise<void> {
  const filler = path.join(dir, FILLER);
  await fs.rm(filler, { force: true });
  const size = (await freeBytes(dir)) - free;
  if (size <= 0) return;
  const handle = await fs.open(filler, 'w');
  try {
    const block = Buffer.alloc(1 << 16, 0x61);
    let left = size;
    while (left > 0) {
      const { bytesWritten } = await handle.write(block, 0, Math.min(block.length, left));
      if (bytesWritten === 0) break;
      left -= bytesWritten;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    await handle.close();
  }
}

export async function removeFiller(dir: string): Promise<void> {
  await fs.rm(path.join(dir, FILLER), { force: true });
}

export const FILLER_NAME = FILLER;
