// The one interface every export format sits behind. The exporter decides what goes out and places the
// image files; a writer only lays out captions (and, for tar shards, the image bytes) in its own shape.
import type { ExportSample, ImageMode, SkipReason } from '../types.js';
import type { TextSink } from '../text-sink.js';

export interface WriterContext {
  /** The folder the writer writes into (a staging folder that becomes the output on success). */
  root: string;
  images: ImageMode;
  /** The instruction for conversation formats (LLaVA, OpenAI chat). */
  prompt: string;
  /** Samples per WebDataset shard. */
  shardSize: number;
  /** Parquet shards are cut once they pass this many bytes. */
  parquetShardBytes: number;
  /** --lines: the sidecar writes each sample's lines instead of its one caption. */
  lines: boolean;
}

export interface FormatWriter {
  /** True when the writer stores image bytes itself (tar shards) instead of files placed beside it. */
  readonly inlineImages: boolean;
  /** Where the image file goes, relative to the root, POSIX. */
  imageDestination(sample: ExportSample): string;
  /** Claims the sample's output names; a reason when they clash with an earlier sample's. */
  reserve(sample: ExportSample): SkipReason | null;
  /**
   * Writes one sample; `image` holds the bytes when inlineImages and images are exported. A promise only when
   * the caller must wait before the next sample (a buffer is being written): most samples are taken at once.
   */
  add(sample: ExportSample, image: Buffer | null): Promise<void> | undefined;
  /** Flushes and closes everything. */
  close(): Promise<void>;
  /** Closes open files without finishing them; the caller deletes the root. */
  abort(): Promise<void>;
}

/**
 * What a format written on the texts thread holds of a sample. WebDataset's .json and Parquet's columns need
 * its image's facts too, and Parquet the caption's author and score.
 */
export type LineSample = Pick<ExportSample, 'fileName' | 'caption' | 'source' | 'split' | 'by' | 'score'> & { image?: ExportSample['image'] };

/** Throws where a sample came to the texts thread without its image's facts, which a shard format writes. */
function assertImageFacts(sample: LineSample): asserts sample is ShardSample {
  if (sample.image === undefined) throw new Error(`${sample.fileName} came without its image's facts`);
}

/** A sample as a shard format writes it (WebDataset, Parquet): with its image's facts. */
export type ShardSample = LineSample & Pick<ExportSample, 'image'>;

/** A shard format's shards of one export, samples added in order (with the image bytes where they are embedded). */
export interface SampleShards {
  add(sample: ShardSample, image: Buffer | null): Promise<void> | undefined;
  close(): Promise<void>;
  abort(): Promise<void>;
}

/** A shard format with the images embedded: written on the export's own thread, which reads them. */
export function shardsWithImages(shards: SampleShards, imageDestination: (sample: ExportSample) => string): FormatWriter {
  return { inlineImages: true, imageDestination, reserve: () => null, add: (sample, image) => shards.add(sample, image), close: () => shards.close(), abort: () => shards.abort() };
}

/**
 * A shard format of captions only (--images none): written on the export's texts thread like the JSON-lines
 * formats' lines, each sample with its image's facts.
 */
export function shardsOfCaptions(shards: SampleShards): LineWriter {
  return {
    add(sample) {
      assertImageFacts(sample);
      return shards.add(sample, null);
    },
    close: () => shards.close(),
    abort: () => shards.abort(),
  };
}

/**
 * The captions of a format written on the export's texts thread (texts-thread/), which is sent each sample's
 * texts for the dataset card anyway: the JSON-lines formats' lines (hf, llava, openai), and WebDataset's
 * and Parquet's shards when they hold no images.
 */
export interface LineWriter {
  /** Writes the sample's line; a promise only when the caller must wait before the next (a buffer is being written). */
  add(sample: LineSample): Promise<void> | undefined;
  /** Flushes, syncs and closes the files. */
  close(): Promise<void>;
  /** Closes open files without finishing them; the caller deletes the root. */
  abort(): Promise<void>;
}

/**
 * The writer on the export's own thread of a format whose captions the texts thread writes (LineWriter): it
 * places the images, if any; adding, closing and aborting here have nothing to do.
 */
export function linesWrittenElsewhere(imageDestination: (sample: ExportSample) => string): FormatWriter {
  return { inlineImages: false, imageDestination, reserve: () => null, add: () => undefined, close: () => Promise.resolve(), abort: () => Promise.resolve() };
}

/** Where a chat format's image goes (llava, openai): under images/, the folder a trainer is pointed at. */
export function chatImageDestination(sample: Pick<ExportSample, 'fileName'>): string {
  return `images/${sample.fileName}`;
}

/** How a metadata line refers to an image. With images left out it is the path in the dataset folder. */
export function imageReference(context: WriterContext, sample: Pick<ExportSample, 'fileName'>, exported: string): string {
  return context.images === 'none' ? sample.fileName : exported;
}

/** Lazily opened resources, one per split. */
export class PerSplit<T> {
  private readonly items = new Map<string, T>();
  /** Openings under way: a second caller before the first is open waits for the same one. */
  private readonly opening = new Map<string, Promise<T>>();
  constructor(private readonly open: (split: string) => Promise<T>) {}
  /** The split's item when it is open already. */
  ready(split: string): T | undefined {
    return this.items.get(split);
  }

  get(split: string): Promise<T> {
    const item = this.items.get(split);
    if (item !== undefined) return Promise.resolve(item);
    let opening = this.opening.get(split);
    if (!opening) {
      opening = this.open(split).then((opened) => {
        this.items.set(split, opened);
        return opened;
      });
      opening.catch(() => undefined).finally(() => this.opening.delete(split));
      this.opening.set(split, opening);
    }
    return opening;
  }
  values(): T[] {
    return [...this.items.values()];
  }

  /** Waits for the openings under way, whatever becomes of them: none is left open behind an abort. */
  async opened(): Promise<void> {
    await Promise.allSettled(this.opening.values());
  }
}

/** A text file per split, opened at its first line. */
export class SinksPerSplit extends PerSplit<TextSink> {
  /** Adds text to the split's file; a promise when the caller must wait (the file being opened, or a chunk written). */
  write(split: string, text: string): Promise<void> | undefined {
    const sink = this.ready(split);
    return sink ? sink.write(text) : this.get(split).then((opened) => opened.write(text));
  }

  /** write(split, text + "\n"), without making that string. */
  writeLine(split: string, text: string): Promise<void> | undefined {
    const sink = this.ready(split);
    return sink ? sink.writeLine(text) : this.get(split).then((opened) => opened.writeLine(text));
  }

  /** TextSink.writeWithCaption in the split's file. */
  writeWithCaption(split: string, head: string, caption: string, tail: string, newline: boolean): Promise<void> | undefined {
    const sink = this.ready(split);
    return sink ? sink.writeWithCaption(head, caption, tail, newline) : this.get(split).then((opened) => opened.writeWithCaption(head, caption, tail, newline));
  }

  async close(): Promise<void> {
    for (const sink of this.values()) await sink.close();
  }

  async abort(): Promise<void> {
    await this.opened();
    for (const sink of this.values()) await sink.abort();
  }
}
