// Rows gathered into batches for the trip out of the worker: at most BATCH_ROWS rows and about
// BATCH_BYTES of image bytes each, the images copied into one buffer that is transferred, not cloned
// (the pages they came from are then free to go, and nothing is copied twice). Each image is hashed on
// the way in: the manifest's sha256, computed in this thread rather than the import's.
import { createHash } from 'node:crypto';
import { BATCH_BYTES, BATCH_ROWS } from './import-limits.js';
import type { DecodedRow, RowBatch } from './import-rows.js';

export class BatchPacker {
  private rows: DecodedRow[] = [];
  private bytes = 0;
  private first = 0;

  constructor(private next: number = 0) {}

  add(row: DecodedRow): void {
    if (this.rows.length === 0) this.first = this.next;
    this.rows.push(row);
    this.next++;
    if ('bytes' in row.image) this.bytes += row.image.bytes.length;
  }

  get full(): boolean {
    return this.rows.length >= BATCH_ROWS || this.bytes >= BATCH_BYTES;
  }

  get isEmpty(): boolean {
    return this.rows.length === 0;
  }

  /** The batch, and the one buffer to transfer with it. */
  take(position?: number): { batch: RowBatch; transfer: ArrayBuffer[] } {
    // Not zeroed first: every byte of it is copied over below.
    const into = Buffer.allocUnsafeSlow(this.bytes);
    const buffer = into.buffer as ArrayBuffer;
    let at = 0;
    const rows = this.rows.map((row): DecodedRow => {
      if (!('bytes' in row.image)) return row;
      into.set(row.image.bytes, at);
      const bytes = into.subarray(at, at + row.image.bytes.length);
      at += bytes.length;
      return { ...row, image: { bytes, sha256: createHash('sha256').update(bytes).digest('hex') } };
    });
    const batch: RowBatch = { rows, first: this.first, ...(position !== undefined ? { position } : {}) };
    this.rows = [];
    this.bytes = 0;
    return { batch, transfer: [buffer] };
  }
}
