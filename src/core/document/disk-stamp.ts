// What the edit model last read or wrote of its file: a change on disk is a different stamp.
import { promises as fs } from 'node:fs';

export interface DiskStamp {
  mtimeMs: number;
  size: number;
  ino: number;
}

export async function stampOf(file: string): Promise<DiskStamp | null> {
  const st = await fs.stat(file).catch(() => null);
  return st ? { mtimeMs: st.mtimeMs, size: st.size, ino: st.ino } : null;
}

export function sameStamp(a: DiskStamp | null, b: DiskStamp | null): boolean {
  if (a === null || b === null) return a === b;
  return a.mtimeMs === b.mtimeMs && a.size === b.size && a.ino === b.ino;
}
