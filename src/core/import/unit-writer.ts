// Writes the images of one unit (a Parquet row group, a tar shard) into their folder and collects what
// the manifest will need of each: the record a scan of the file would give (probed from the bytes in
// hand, not read back), the caption and where it came from. Shared by both formats, so the rules for
// what counts as an image and how files are named and written are the same for both.
//
// A batch's samples are added at once (each image's header read and probed), then flush() hands the
// batch's images to the writer threads (image-writer.ts) and returns while they are written (once the
// writers have room): the next batch is read and probed meanwhile. finish() waits for the unit's writes.
import * as path from 'node:path';
import { probeImage, probeImageBytes, type ImageFacts } from '../dataset/image-probe.js';
import { newRecordFromProbe } from '../dataset/probe-record.js';
import type { CaptionValue } from './caption-policy.js';
import { sniffImage, type SkipReason } from './image-format.js';
import type { ImageWriter, WrittenImage } from './image-writer.js';
import type { ImportCommits } from './import-commits.js';
import { ReasonTally } from '../util/reason-tally.js';
import type { FinishedUnit, UnitEntry } from './import-state.js';

/** A sample's image: its bytes, or why there are none to use. */
export type ImageInput = { bytes: Uint8Array; sha256?: string } | { skip: SkipReason; detail?: string };

export interface Sample {
  /** The safe base name (no extension) its image file gets. */
  name: string;
  /** How a person finds it in the source, for the report: "train-0.parquet row 12". */
  label: string;
  image: ImageInput;
  /** The caption, made what every writer stores, and what that took (counted when the image is written). */
  caption: CaptionValue;
  source: { source_row: number } | { source_key: string };
}

/** Counts across an import, updated as images are written. */
export interface ImportTotals {
  imported: number;
  resumed: number;
  bytesWritten: number;
}

/** What a unit's writes need of the import. */
export interface UnitRun {
  totals: ImportTotals;
  commits: ImportCommits;
  images: ImageWriter;
  phash: boolean;
}

/** An image probed and waiting for its write. */
interface Queued {
  name: string;
  bytes: Uint8Array;
  /** Its length (the bytes are detached once handed to the writer). */
  size: number;
  entry: UnitEntry;
  /** Null for an image probed from its file once written (one the probe does not read whole). */
  facts: ImageFacts | null;
}

export class UnitWriter {
  /** By the sample's position in the unit, so that the record and the report do not depend on timing. */
  private readonly results: ({ entry: UnitEntry; notes: string[]; label: string } | { skip: string; label: string } | undefined)[] = [];
  private queued: Queued[] = [];
  /** The unit's writes handed to the writer (a failure is thrown by finish). */
  private readonly jobs: Promise<void>[] = [];

  constructor(
    /** The folder the images are written to (the source file's partial folder). */
    private readonly dir: string,
    /** Their dataset-relative folder once the partial folder has its final name. */
    private readonly relDir: string,
    private readonly sourceFile: string,
    private readonly run: UnitRun,
  ) {}

  get imageCount(): number {
    return this.results.filter((r) => r !== undefined && 'entry' in r).length;
  }

  /** Samples added so far, with an image or not. */
  get rows(): number {
    return this.results.filter((r) => r !== undefined).length;
  }

  /** Reads the header of sample number `position` of the unit and queues its image (samples may be added in any order, and at once). */
  async add(sample: Sample, position: number): Promise<void> {
    if ('skip' in sample.image) return this.skip(position, sample, sample.image.skip, sample.image.detail);
    const { bytes, sha256 } = sample.image;
    const sniffed = await sniffImage(bytes);
    if ('skip' in sniffed) return this.skip(position, sample, sniffed.skip, sniffed.detail);
    const name = `${sample.name}.${sniffed.ext}`;
    const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const facts = await probeImageBytes(data, { sha256, meta: sniffed.meta }, { phash: this.run.phash });
    const entry: UnitEntry = { file_name: path.posix.join(this.relDir, name), alt: sample.caption.text, source_file: this.sourceFile, ...sample.source };
    const notes = (sample.caption.notes ?? []).map((n) => (n.detail ? `${n.note}\0${n.detail}` : n.note));
    this.results[position] = { entry, notes, label: sample.label };
    this.queued.push({ name, bytes, size: bytes.byteLength, entry, facts });
  }

  /**
   * Hands the images added since the last flush to the writer (their bytes go with them: the samples'
   * buffers are unusable afterwards), once it has room for them.
   */
  async flush(): Promise<void> {
    const queued = this.queued;
    this.queued = [];
    if (queued.length === 0) return;
    await this.run.images.ready();
    const job = this.run.images.write(this.dir, queued.map((q) => ({ name: q.name, bytes: q.bytes }))).then((w) => this.record(queued, w));
    // Thrown by finish; not left unhandled meanwhile.
    job.catch(() => undefined);
    this.jobs.push(job);
  }

  private async record(queued: Queued[], written: WrittenImage[]): Promise<void> {
    const { totals, commits, phash } = this.run;
    for (const [i, q] of queued.entries()) {
      const w = written[i]!;
      const abs = path.join(this.dir, q.name);
      const probe = q.facts ? { ...q.facts, bytes: q.size, mtimeMs: Math.trunc(w.mtimeMs) } : await probeImage(abs, { phash });
      q.entry.scanned = newRecordFromProbe(q.entry.file_name, probe);
      // A kept file is synced too: the run that wrote it may have been stopped before its sync.
      commits.wrote(abs, probe.bytes);
      if (w.outcome === 'written') {
        totals.imported++;
        totals.bytesWritten += probe.bytes;
      } else {
        totals.resumed++;
      }
    }
  }

  private skip(position: number, sample: Sample, reason: SkipReason, detail: string | undefined): void {
    this.results[position] = { skip: reason, label: detail ? `${sample.label} (${detail})` : sample.label };
  }

  /** Writes what is queued and waits for every write of the unit; then its record. */
  async finish(): Promise<FinishedUnit> {
    await this.flush();
    await Promise.all(this.jobs);
    const entries: UnitEntry[] = [];
    const skips = new ReasonTally<string>();
    const captions = new ReasonTally<string>();
    let rows = 0;
    for (const result of this.results) {
      if (result === undefined) continue;
      rows++;
      if ('entry' in result) {
        entries.push(result.entry);
        for (const note of result.notes) {
          const [reason, detail] = note.split('\0');
          captions.add(reason!, detail ? `${result.label} (${detail})` : result.label);
        }
      } else skips.add(result.skip, result.label);
    }
    return {
      summary: { rows, images: entries.length, skipped: skips.counts, examples: skips.examples, captions: captions.counts, captionExamples: captions.examples },
      entries,
    };
  }
}
