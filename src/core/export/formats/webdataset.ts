// WebDataset: .tar shards (train-000000.tar, ...) in which the files of one sample share a key:
// 000123.jpg (the image), 000123.txt (the caption), 000123.json (file_name, caption source, size, hash).
// Entries carry a fixed mtime so that the same export gives byte-identical shards.
import * as path from 'node:path';
import { cleanCaptionText } from '../../../shared/caption-text.js';
import type { ExportSample, Split } from '../types.js';
import { shardsOfCaptions, shardsWithImages, type FormatWriter, type LineWriter, type SampleShards, type WriterContext } from './writer.js';
import { ChunkPool } from '../../util/chunk-pool.js';
import { TAR_CHUNK_BYTES, TarFile } from './tar-file.js';

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

/** What a shard holds of a sample. */
type TarSample = Pick<ExportSample, 'fileName' | 'caption' | 'source' | 'split' | 'image'>;

/**
 * A sample's .json: JSON.stringify({ file_name, caption_source, width, height, sha256 }), made as one
 * template (an object and its stringify per sample of a million cost more). Width and height are whole
 * numbers or null, as a record holds them.
 */
export function sampleFactsJson(sample: TarSample): string {
  const { width, height, sha256 } = sample.image;
  const hash = sha256 === null ? 'null' : JSON.stringify(sha256);
  return `{"file_name":${JSON.stringify(sample.fileName)},"caption_source":${JSON.stringify(sample.source)},"width":${width},"height":${height},"sha256":${hash}}`;
}

/** A sample's entries: its image (when exported), its caption, its facts. A promise when the shard must catch up. */
function addEntries(shard: TarFile, sample: TarSample, image: Buffer | null, index: number): Promise<void> | undefined {
  const key = sampleKey(index);
  const waits: Promise<void>[] = [];
  const wait = (added: Promise<void> | undefined) => added && waits.push(added);
  if (image) wait(shard.entry(`${key}.${imageExtension(sample.fileName)}`, image));
  wait(shard.entryText(`${key}.txt`, sample.caption, cleanCaptionText));
  wait(shard.entryText(`${key}.json`, sampleFactsJson(sample)));
  return waits.length > 0 ? Promise.all(waits).then(() => undefined) : undefined;
}

/** Shards finishing (their last chunk written, synced, closed) while the next ones fill: a shard of captions only is a few MB, and waiting for each to close is most of such an export's time; syncing them all at the end was a second more of it at 1M. */
const SHARDS_FINISHING = 8;

/** The shards of an export, samples added in order; a FormatWriter (with images) or a LineWriter (without) around it. */
function webDatasetShards(context: WriterContext): SampleShards {
  const open = new Map<Split, TarFile>();
  const counts = new Map<Split, number>();
  const all: TarFile[] = [];
  const finishing: Promise<void>[] = [];
  // One set of chunks for every shard: a shard of captions only is a few MB, each a chunk of its own otherwise.
  const chunks = new ChunkPool(TAR_CHUNK_BYTES);
  /** Finishes a full shard behind the writing; a promise (the oldest finishing) when too many already are. */
  const finishBehind = (shard: TarFile): Promise<void> | undefined => {
    const finished = shard.finish({ sync: true });
    finished.catch(() => undefined); // awaited (and thrown) below or at close
    finishing.push(finished);
    return finishing.length > SHARDS_FINISHING ? finishing.shift() : undefined;
  };
  return {
    add(sample, image) {
      const index = counts.get(sample.split) ?? 0;
      counts.set(sample.split, index + 1);
      const shard = open.get(sample.split);
      if (shard && index % context.shardSize !== 0) return addEntries(shard, sample, image, index);
      const behind = shard ? finishBehind(shard) : undefined;
      const number = Math.floor(index / context.shardSize);
      // Created as its entries are gathered: no wait for the file system between two shards.
      const next = TarFile.start(path.join(context.root, `${sample.split}-${String(number).padStart(6, '0')}.tar`), { mtime: FIXED_MTIME }, chunks);
      open.set(sample.split, next);
      all.push(next);
      const added = addEntries(next, sample, image, index);
      return behind || added ? Promise.all([behind, added]).then(() => undefined) : undefined;
    },
    async close(): Promise<void> {
      for (const shard of open.values()) finishing.push(shard.finish({ sync: true }));
      open.clear();
      await Promise.all(finishing.splice(0));
    },
    async abort(): Promise<void> {
      await Promise.allSettled(finishing.splice(0));
      for (const shard of all) await shard.abort();
    },
  };
}

/** Where a sample's image goes: into its shard, under its key; the name it had is in the sample's .json. */
export function webDatasetImageDestination(sample: Pick<ExportSample, 'fileName'>): string {
  return sample.fileName;
}

/** WebDataset with the images in the shards: written on the export's own thread, which reads them. */
export function createWebDatasetWriter(context: WriterContext): FormatWriter {
  return shardsWithImages(webDatasetShards(context), webDatasetImageDestination);
}

/** WebDataset of captions only (--images none): each sample's .txt and .json, on the export's texts thread. */
export function createWebDatasetLines(context: WriterContext): LineWriter {
  return shardsOfCaptions(webDatasetShards(context));
}
