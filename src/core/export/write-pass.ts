// One pass of an export over the records: each record is planned as it streams by, the images of a batch of
// samples are checked or placed, and the samples are written in manifest order with the card's facts
// gathered on the way. Nothing of the manifest is held beyond the batch in hand.
import type { ManifestRecord } from '../../shared/record.js';
import type { RecordSampleOptions } from '../analysis/record-sample.js';
import type { DatasetFolder } from '../dataset/dataset-file.js';
import type { CardFacts } from './card/card-facts.js';
import { DestinationNames } from './destination-names.js';
import type { RecordPass } from './export-source.js';
import { createWriter, writtenOnTextsThread, type FormatWriter, type WriterContext } from './formats/index.js';
import { ImagePlacer } from './image-placer.js';
import { ExportPlanner, type PlanOptions } from './plan.js';
import { StreamedGroups } from './streamed-groups.js';
import { ExportTexts } from './texts-thread/export-texts.js';
import { ExportError, type ExportFormat, type ExportProgress, type ExportSample, type SkipReason, type SkipTally, type SourceCounts, type Split } from './types.js';

/** Samples whose images are read or placed together (a few dozen reads in flight; bounded memory for inline images). */
const BATCH = 32;

export interface PassSetup {
  format: ExportFormat;
  writer: WriterContext;
  files: DatasetFolder;
  /** The plan's options; `groups` as known before the pass, or streamed (added to as records come). */
  plan: Omit<PlanOptions, 'groups'>;
  groups: ReadonlyMap<string, string> | StreamedGroups;
  /** The card measures a seeded sample of the records in full (null: every one). */
  cardSample: RecordSampleOptions | null;
  /** The output folder, for the message of a cancelled export. */
  out: string;
  signal?: AbortSignal;
  onProgress?: (progress: ExportProgress) => void;
}

export interface PassResult {
  counts: Record<Split, number>;
  sources: Record<Split, SourceCounts>;
  skipped: SkipTally;
  altFallback: number;
  facts: CardFacts;
  /** Why hard links fell back to copies, when they did. */
  linkFallback: string | null;
  /** Images refused because they lead outside the dataset folder, as warnings. */
  refusedLinks: string[];
  /** A file was written for each sample (its image, its sidecar): the export is synced as a whole before it is committed. */
  filePerSample: boolean;
}

export function cancelled(out: string): ExportError {
  return new ExportError(`export cancelled; nothing was written to ${out}`, 'cancelled');
}

type Placed = { skip: SkipReason } | { bytes: Buffer | null };

class Pass {
  private readonly writer: FormatWriter;
  private readonly placer: ImagePlacer;
  private readonly planner: ExportPlanner;
  private readonly placesFiles: boolean;
  private readonly imageNames = new DestinationNames();
  readonly counts: Record<Split, number> = { train: 0, validation: 0 };
  readonly sources: Record<Split, SourceCounts> = { train: {}, validation: {} };
  private samples: ExportSample[] = [];
  private records: ManifestRecord[] = [];

  constructor(private readonly setup: PassSetup) {
    this.writer = createWriter(setup.format, setup.writer);
    this.placer = new ImagePlacer(setup.files, setup.writer.root, setup.writer.images);
    this.planner = new ExportPlanner({ ...setup.plan, groups: setup.groups });
    this.placesFiles = !this.writer.inlineImages && setup.writer.images !== 'none';
  }

  async run(records: RecordPass): Promise<PassResult> {
    const { setup } = this;
    const streamed = setup.groups instanceof StreamedGroups ? setup.groups : null;
    // Its thread is started here, where every way out of the pass ends it. It writes a JSON-lines format's
    // lines, and WebDataset's and Parquet's shards of captions only.
    const threadWrites = writtenOnTextsThread(setup.format, setup.writer.images);
    const texts = new ExportTexts(setup.cardSample, threadWrites && { format: threadWrites, context: setup.writer });
    try {
      for await (const batch of records.batches()) {
        for (const record of batch) {
          streamed?.add(record);
          const sample = this.planner.decide(record);
          if (!sample) continue;
          this.samples.push(sample);
          this.records.push(record);
          if (this.samples.length >= BATCH) await this.flush(records, texts);
        }
      }
      await this.flush(records, texts);
      // The files are flushed and synced while the texts' thread measures its last chunks.
      const [, cardFacts] = await Promise.all([this.writer.close(), texts.finish()]);
      return this.result(cardFacts);
    } catch (err) {
      await this.writer.abort().catch(() => undefined);
      await texts.stop();
      throw err;
    }
  }

  private result(facts: CardFacts): PassResult {
    const { setup } = this;
    return {
      counts: this.counts,
      sources: this.sources,
      skipped: this.planner.skipped,
      altFallback: this.planner.altFallback,
      facts,
      linkFallback: this.placer.linkFallback,
      refusedLinks: this.placer.refusedLinks.lines(),
      filePerSample: this.placesFiles || setup.format === 'sidecar',
    };
  }

  /** Checks or places the batch's images, then writes its samples in order. */
  private async flush(records: RecordPass, texts: ExportTexts): Promise<void> {
    const { setup, writer, samples } = this;
    if (setup.signal?.aborted) throw cancelled(setup.out);
    if (samples.length === 0) return;
    // Image files placed beside the captions are claimed too, folded as macOS and Windows compare names.
    const reserved = samples.map((sample) => writer.reserve(sample) ?? (this.placesFiles && !this.imageNames.claim(writer.imageDestination(sample)) ? 'name-collision' : null));
    const placed = await this.place(samples, reserved);
    // What the card's sample is a share of: the records the pass may export.
    const expected = setup.plan.only?.size ?? records.expectedRecords();
    for (let i = 0; i < samples.length; i++) {
      const sample = samples[i]!;
      const result = placed[i]!;
      if ('skip' in result) {
        this.planner.skipped.add(result.skip, sample.fileName);
        continue;
      }
      const wrote = writer.add(sample, result.bytes);
      if (wrote) await wrote;
      const caughtUp = texts.add(this.records[i]!, sample, expected);
      if (caughtUp) await caughtUp;
      this.counts[sample.split]++;
      this.sources[sample.split][sample.source] = (this.sources[sample.split][sample.source] ?? 0) + 1;
    }
    const { done, total } = records.progress();
    setup.onProgress?.({ phase: 'writing', done, total, fileName: samples[samples.length - 1]!.fileName });
    this.samples = [];
    this.records = [];
  }

  /** Each sample's image bytes (inline formats), or that it is there and placed, or why it is skipped. */
  private async place(samples: readonly ExportSample[], reserved: readonly (SkipReason | null)[]): Promise<Placed[]> {
    const { writer, placer } = this;
    const images = this.setup.writer.images;
    const checkOnly = images === 'none';
    const placed: (Placed | Promise<Placed>)[] = samples.map((sample, i): Placed | Promise<Placed> => {
      const clash = reserved[i];
      if (clash) return { skip: clash };
      // Captions only: most images are known to be there from their folder's listing, without a wait.
      if (checkOnly) return placer.checkListed(sample.fileName) ? { bytes: null } : placer.check(sample.fileName).then((checked) => ('skip' in checked ? checked : { bytes: null }));
      if (writer.inlineImages) return placer.read(sample.fileName).then((bytes) => (Buffer.isBuffer(bytes) ? { bytes } : bytes));
      // Images of a batch are read or placed concurrently; samples are written in order, so output is deterministic.
      return placer.place(sample.fileName, writer.imageDestination(sample)).then((skip) => (skip ? { skip } : { bytes: null }));
    });
    return placed.some((p) => p instanceof Promise) ? Promise.all(placed) : (placed as Placed[]);
  }
}

/** Writes every sample of one pass over `records` into the writer's root. */
export function writePass(setup: PassSetup, records: RecordPass): Promise<PassResult> {
  return new Pass(setup).run(records);
}
