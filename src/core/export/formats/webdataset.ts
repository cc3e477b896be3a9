// WebDataset: .tar shards (train-000000.tar, ...) in which the files of one sample share a key:
// 000123.jpg (the image), 000123.txt (the caption), 000123.json (file_name, caption source, size, hash).
// Entries carry a fixed mtime so that the same export gives byte-identical shards.
import { createWriteStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pack, type Pack } from 'tar-stream';
import type { ExportSample, Split } from '../types.js';
import type { FormatWriter, WriterContext } from './writer.js';
import { mapConcurrent } from '../../util/map-concurrent.js';

const FIXED_MTIME = new Date(0);

/**
 * Entries (and bytes) handed to a shard before waiting for them to be written: one wait per entry would
 * cost a round trip each; the byte bound keeps inline images from piling up in memory.
 */
const ENTRIES_IN_FLIGHT = 4096;
const BYTES_IN_FLIGHT = 16 << 20;

class Shard {
  private readonly tar: Pack = pack();
  private readonly done: Promise<void>;
  private pending: Promise<void>[] = [];
  private pendingBytes = 0;

  constructor(readonly file: string) {
    this.done = pipeline(this.tar, createWriteStream(file, { flags: 'wx', mode: 0o644, highWaterMark: 4 << 20 }));
    // Surfaced by finish(); keeps an early failure from becoming an unhandled rejection.
    this.done.catch(() => undefined);
  }

  /** Adds an entry; waits only when many are in flight, so the pack's buffer stays bounded. */
  async entry(name: string, data: Buffer): Promise<void> {
    const written = new Promise<void>((resolve, reject) => {
      this.tar.entry({ name, size: data.length, mtime: FIXED_MTIME, mode: 0o644 }, data, (err) => (err ? reject(err) : resolve()));
    });
    written.catch(() => undefined); // awaited (and thrown) below or by finish()
    this.pending.push(written);
    this.pendingBytes += data.length;
    if (this.pending.length >= ENTRIES_IN_FLIGHT || this.pendingBytes >= BYTES_IN_FLIGHT) await this.drain();
  }

  private async drain(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    await Promise.all(batch);
  }

  async finish(): Promise<void> {
    await this.drain();
    this.tar.finalize();
    await this.done;
  }

  /** Flushes the finished shard to disk (all shards at the end, concurrently: one at a time is a disk round trip each). */
  async sync(): Promise<void> {
    const handle = await fs.open(this.file, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async abort(): Promise<void> {
    this.tar.destroy();
    await this.done.catch(() => undefined);
  }
}

function imageExtension(fileName: string): string {
  const base = fileName.slice(fileName.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  // WebDataset splits a member name at its first dot, so the extension itself must not contain one.
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : 'img';
}

export function sampleKey(index: number): string {
  return String(index).padStart(6, '0');
}

export function createWebDatasetWriter(context: WriterContext): FormatWriter {
  const open = new Map<Split, Shard>();
  const counts = new Map<Split, number>();
  const all: Shard[] = [];
  return {
    inlineImages: true,
    imageDestination: (sample) => sample.fileName,
    reserve: () => null,
    async add(sample: ExportSample, image: Buffer | null) {
      const index = counts.get(sample.split) ?? 0;
      counts.set(sample.split, index + 1);
      let shard = open.get(sample.split);
      if (!shard || index % context.shardSize === 0) {
        await shard?.finish();
        const number = Math.floor(index / context.shardSize);
        shard = new Shard(path.join(context.root, `${sample.split}-${String(number).padStart(6, '0')}.tar`));
        open.set(sample.split, shard);
        all.push(shard);
      }
      const key = sampleKey(index);
      if (image) await shard.entry(`${key}.${imageExtension(sample.fileName)}`, image);
      await shard.entry(`${key}.txt`, Buffer.from(sample.caption, 'utf8'));
      const meta = {
        file_name: sample.fileName,
        caption_source: sample.source,
        width: sample.image.width,
        height: sample.image.height,
        sha256: sample.image.sha256,
      };
      await shard.entry(`${key}.json`, Buffer.from(JSON.stringify(meta), 'utf8'));
    },
    async close() {
      for (const shard of open.values()) await shard.finish();
      open.clear();
      await mapConcurrent(all, 16, (shard) => shard.sync());
    },
    async abort() {
      for (const shard of all) await shard.abort();
    },
  };
}
