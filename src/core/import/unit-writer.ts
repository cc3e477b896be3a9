// Writes the images of one unit (a Parquet row group, a tar shard) into their folder and collects what
// the manifest will need of each: the caption and where it came from. Shared by both formats, so the
// rules for what counts as an image and how files are named and written are the same for both.
import * as path from 'node:path';
import type { CaptionValue } from './caption-policy.js';
import { sniffImage, type SkipReason } from './image-format.js';
import { writeImageFile } from './image-writer.js';
import { ReasonTally } from '../util/reason-tally.js';
import type { FinishedUnit, UnitEntry } from './import-state.js';

/** A sample's image: its bytes, or why there are none to use. */
export type ImageInput = { bytes: Uint8Array } | { skip: SkipReason; detail?: string };

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

export class UnitWriter {
  /** By the sample's position in the unit, so that the record and the report do not depend on timing. */
  private readonly results: ({ entry: UnitEntry; notes: string[]; label: string } | { skip: string; label: string } | undefined)[] = [];

  constructor(
    /** The folder the images are written to (the source file's partial folder). */
    private readonly dir: string,
    /** Their dataset-relative folder once the partial folder has its final name. */
    private readonly relDir: string,
    private readonly sourceFile: string,
    private readonly totals: ImportTotals,
  ) {}

  get imageCount(): number {
    return this.results.filter((r) => r !== undefined && 'entry' in r).length;
  }

  /** Writes sample number `position` of the unit (samples may be added in any order, and at once). */
  async add(sample: Sample, position: number): Promise<void> {
    if ('skip' in sample.image) return this.skip(position, sample, sample.image.skip, sample.image.detail);
    const bytes = sample.image.bytes;
    const sniffed = await sniffImage(bytes);
    if ('skip' in sniffed) return this.skip(position, sample, sniffed.skip, sniffed.detail);
    const fileName = `${sample.name}.${sniffed.ext}`;
    const outcome = await writeImageFile(this.dir, fileName, bytes);
    if (outcome === 'written') {
      this.totals.imported++;
      this.totals.bytesWritten += bytes.length;
    } else {
      this.totals.resumed++;
    }
    const notes = (sample.caption.notes ?? []).map((n) => (n.detail ? `${n.note}\0${n.detail}` : n.note));
    this.results[position] = { entry: { file_name: path.posix.join(this.relDir, fileName), alt: sample.caption.text, source_file: this.sourceFile, ...sample.source }, notes, label: sample.label };
  }

  private skip(position: number, sample: Sample, reason: SkipReason, detail: string | undefined): void {
    this.results[position] = { skip: reason, label: detail ? `${sample.label} (${detail})` : sample.label };
  }

  finish(): FinishedUnit {
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
