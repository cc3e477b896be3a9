// The first complete lines of a manifest, parsed: what the editor shows before the full load ends.
import { promises as fs } from 'node:fs';
import { toRecord } from '../dataset/manifest-codec.js';
import type { ManifestRecord } from '../../shared/record.js';

/** Bytes read up front so the first screen shows while the whole manifest loads. */
const HEAD_BYTES = 256 * 1024;

export async function readHead(file: string): Promise<ManifestRecord[]> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch {
    return [];
  }
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    const lines = buffer.subarray(0, bytesRead).toString('utf8').split('\n');
    if (bytesRead === HEAD_BYTES) lines.pop(); // a partial last line
    const out: ManifestRecord[] = [];
    for (const line of lines) {
      if (line.trim() === '') continue;
      try {
        const r = toRecord(JSON.parse(line.replace(/^\uFEFF/, '')));
        if (typeof r !== 'string') out.push(r);
      } catch {
        // a bad line: the full load reports it
      }
    }
    return out;
  } finally {
    await handle.close();
  }
}
