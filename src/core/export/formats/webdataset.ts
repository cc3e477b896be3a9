// WebDataset: .tar shards (train-000000.tar, ...) in which the files of one sample share a key:
// 000123.jpg (the image), 000123.txt (the caption), 000123.json (file_name, caption source, size, hash).
// Entries carry a fixed mtime so that the same export gives byte-identical shards.
import * as path from 'node:path';
import type { ExportSample, Split } from '../types.js';
import type { FormatWriter, WriterContext } from './writer.js';
import { mapConcurrent } from '../../util/map-concurrent.js';
import { TarFile } from './tar-file.js';

/** Every entry's time: the epoch. */
const FIXED_MTIME = 0;

function imageExtension(fileName: string): string {
  const base = fileName.slice(fileName.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  // WebDataset splits a member name at its first dot, so the extension itself must not contain one.
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : 'img';
}

export function sampleKey(index: number): string {
  return String(index).padStart(6, '0');
}

/** A sample's entries: its image (when exported), its caption, its facts. A promise when the shard must catch up. */
function addEntries(shard: TarFile, sample: ExportSample, image: Buffer | null, index: number): Promise<void> | undefined {
  const key = sampleKey(index);
  const meta = {
    file_name: sample.fileName,
    caption_source: sample.source,
    width: sample.image.width,
    height: sample.image.height,
    sha256: sample.image.sha256,
  };
  const waits = [
    image ? shard.entry(`${key}.${imageExtension(sample.fileName)}`, image) : undefined,
    shard.entry(`${key}.txt`, Buffer.from(sample.caption, 'utf8')),
    shard.entry(`${key}.json`, Buffer.from(JSON.stringify(meta), 'utf8')),
  ].filter((wait) => wait !== undefined);
  return waits.length > 0 ? Promise.all(waits).then(() => undefined) : undefined;
}

export function createWebDatasetWriter(context: WriterContext): FormatWriter {
  const open = new Map<Split, TarFile>();
  const counts = new Map<Split, number>();
  const all: TarFile[] = [];
  return {
    inlineImages: true,
    imageDestination: (sample) => sample.fileName,
    reserve: () => null,
    add(sample: ExportSample, image: Buffer | null) {
      const index = counts.get(sample.split) ?? 0;
      counts.set(sample.split, index + 1);
      const shard = open.get(sample.split);
      if (shard && index % context.shardSize !== 0) return addEntries(shard, sample, image, index);
      return (async () => {
        await shard?.finish();
        const number = Math.floor(index / context.shardSize);
        const next = await TarFile.create(path.join(context.root, `${sample.split}-${String(number).padStart(6, '0')}.tar`), { mtime: FIXED_MTIME });
        open.set(sample.split, next);
        all.push(next);
        await addEntries(next, sample, image, index);
      })();
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
