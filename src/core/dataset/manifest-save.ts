// What a save of the manifest writes: records in name order, each unchanged line copied from the source as
// it is, each changed one (or one an editor's unsaved edit overrides) written anew, each unreadable line
// kept after the record it followed. Where every line went is recorded, so the store can read the written
// file afterwards without indexing it again.
import type { ManifestRecord } from '../../shared/record.js';
import { ChunkWriter, SAVE_CHUNK_BYTES } from './chunk-writer.js';
import { SequentialReader, type LineSource } from './line-source.js';
import { serializeRecord, type ManifestProblem } from './manifest-codec.js';
import type { ManifestIndex } from './manifest-index.js';
import { RecordColumns } from './record-columns.js';
import { parseIndexedLine } from './record-line.js';
import { withReviewOverrides, type RecordOverrides } from './record-overrides.js';

/** The state a save writes: replaced, never changed, by later writes, so the save sees one moment. */
export interface ManifestSnapshot {
  index: ManifestIndex;
  live: ReadonlyMap<string, ManifestRecord>;
  source: LineSource | null;
}

/** Where a save put each line: the store's offsets once the written file is its source. */
export class SavedLayout {
  readonly offsets: Float64Array;
  readonly lengths: Uint32Array;
  readonly problems: ManifestProblem[] = [];
  bytes = 0;
  /** Rows written from an override, and their facts in that order (about 15 bytes a row, not the records). */
  overridden: number[] = [];
  readonly overriddenFacts: RecordColumns;

  constructor(rows: number, columns: RecordColumns) {
    this.offsets = new Float64Array(rows);
    this.lengths = new Uint32Array(rows);
    this.overriddenFacts = new RecordColumns(16);
    this.overriddenFacts.defectStateOf(columns);
  }

  /** A layout for saving `snapshot`. */
  static of(snapshot: ManifestSnapshot): SavedLayout {
    return new SavedLayout(snapshot.index.names.length, snapshot.index.columns);
  }

  noteOverride(row: number, record: ManifestRecord): void {
    this.overridden.push(row);
    this.overriddenFacts.push(record);
  }
}

/**
 * The save's bytes: records in name order, each unchanged line copied from the source as it is, each
 * problem line back after the record it followed (or at the top). `layout` records where each line went.
 */
export function* saveChunks(snapshot: ManifestSnapshot, overrides: RecordOverrides, layout: SavedLayout): Generator<Uint8Array> {
  const { names, offsets, lengths, problems, eol, hadBom } = snapshot.index;
  const reader = snapshot.source ? new SequentialReader(snapshot.source, snapshot.index.bytes) : null;
  const reviews = overrides.reviews;
  const out = new ChunkWriter(Buffer.from(eol));
  const byAnchor = new Map<string | null, ManifestProblem[]>();
  for (const p of problems) {
    const list = byAnchor.get(p.after) ?? [];
    list.push(p);
    byAnchor.set(p.after, list);
  }
  const emitProblems = function* (anchor: string | null): Generator<Uint8Array> {
    for (const p of byAnchor.get(anchor) ?? []) {
      const length = p.span ? p.span.length : p.raw === undefined ? 0 : Buffer.byteLength(p.raw);
      const at = p.span ? yield* out.lineFrom(snapshot.source!, p.span.offset, length) : out.line(p.raw === undefined ? Buffer.alloc(0) : Buffer.from(p.raw));
      layout.problems.push({ line: at.line, message: p.message, after: p.after, fileName: p.fileName, span: { offset: at.offset, length } });
    }
    byAnchor.delete(anchor);
  };
  if (hadBom) out.raw(Buffer.from([0xef, 0xbb, 0xbf]));
  yield* emitProblems(null);
  for (let row = 0; row < names.length; row++) {
    const name = names[row]!;
    let record = overrides.records.get(name);
    const overridden = record !== undefined || (reviews?.has(name, row) ?? false);
    if (overridden) {
      record = withReviewOverrides(record ?? snapshot.live.get(name) ?? parseIndexedLine(reader!.read(offsets[row]!, lengths[row]!).toString('utf8'), name), reviews, row);
      layout.noteOverride(row, record);
    } else record = snapshot.live.get(name);
    const bytes = record ? Buffer.from(serializeRecord(record), 'utf8') : null;
    const at = bytes ? yield* out.lineOf(bytes) : yield* out.lineFrom(snapshot.source!, offsets[row]!, lengths[row]!, reader!);
    layout.offsets[row] = at.offset;
    layout.lengths[row] = bytes ? bytes.length : lengths[row]!;
    if (byAnchor.size > 0) yield* emitProblems(name);
    if (out.pending >= SAVE_CHUNK_BYTES) yield out.take();
  }
  // Problems anchored to a record that no longer exists go at the end rather than vanish.
  for (const anchor of [...byAnchor.keys()]) yield* emitProblems(anchor);
  layout.bytes = out.position;
  yield out.take();
}
