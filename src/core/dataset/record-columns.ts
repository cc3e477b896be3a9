// The facts the list's filters, badges and counts need, one typed-array slot per record: about 11 bytes a
// record, so a million records cost 11 MB instead of a parsed object each.
import { CAPTION_AUTHORS, CAPTION_KINDS, type ManifestRecord } from '../../shared/record.js';
import { defectBitsOf, type DatasetThresholds } from './defect-bits.js';
import { recordState, type CaptionFacts, type Counts, type RecordFacts, type RecordState, type ReviewOrder } from '../../shared/record-query.js';

/** Score steps of the review order's key (1e-6 apart over [-1, 1]: finer than any score shown). */
const SCORE_STEPS = 2_000_000;

const REVIEWS = [null, 'approved', 'rejected'] as const;
const ERROR = 1;
/** Drawn into the audit sample. */
const AUDIT = 2;
/** In a duplicate group (set by markDuplicates: it depends on the other records). */
const DUPLICATE = 4;

/** A record's lowest caption score (what "lowest score first" orders by), NaN without one. */
function lowestScore(record: ManifestRecord): number {
  let low = Number.NaN;
  for (const kind of CAPTION_KINDS) {
    const score = record[kind]?.score;
    if (typeof score === 'number' && Number.isFinite(score) && !(score >= low)) low = score;
  }
  return low;
}

/** A reusable facts object: filled in place for each row, so a pass over a million rows allocates nothing. */
export interface FactsScratch extends RecordFacts {
  readonly sscSlot: CaptionFacts;
  readonly dscSlot: CaptionFacts;
}

export function factsScratch(): FactsScratch {
  return { ssc: null, dsc: null, error: false, defects: null, sscSlot: { by: 'model', review: null, length: 0 }, dscSlot: { by: 'model', review: null, length: 0 } };
}

/** The columns as plain typed arrays, to move between threads (their buffers are transferred, not copied). */
export interface RecordColumnsData {
  count: number;
  flags: Uint8Array;
  defects: Uint8Array;
  defectsReady: boolean;
  by: Uint8Array;
  review: Uint8Array;
  length: Uint32Array;
  score: Float32Array;
}

/** The buffers behind the columns' arrays: what a thread transfers instead of copying. */
export function columnBuffers(data: RecordColumnsData): ArrayBufferLike[] {
  return [data.flags.buffer, data.defects.buffer, data.by.buffer, data.review.buffer, data.length.buffer, data.score.buffer];
}

export class RecordColumns {
  private flags: Uint8Array;
  /** Per record, SSC then DSC: 0 for no caption, else 1 + the author's index in CAPTION_AUTHORS. */
  private by: Uint8Array;
  /** Per record, SSC then DSC: the index in REVIEWS. */
  private review: Uint8Array;
  private length: Uint32Array;
  /** Per record, its lowest caption score (NaN: none), for the review order. */
  private score: Float32Array;
  /** Per record, its own defect flags (defectBit), filled by a pass after the index (setDefects). */
  private defects: Uint8Array;
  /** Whether every row's defects are computed; until then the flag filter shows nothing unknown. */
  defectsReady = false;
  /** The dataset's length fences and low-score cuts the defects were computed against (null until then). */
  thresholds: DatasetThresholds | null = null;
  private count = 0;

  constructor(capacity = 1024) {
    this.flags = new Uint8Array(capacity);
    this.by = new Uint8Array(capacity * 2);
    this.review = new Uint8Array(capacity * 2);
    this.length = new Uint32Array(capacity * 2);
    this.defects = new Uint8Array(capacity);
    this.score = new Float32Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Appends a record's facts; returns its row. */
  push(record: ManifestRecord): number {
    if (this.count === this.flags.length) this.grow(Math.max(1024, this.count * 2));
    this.set(this.count, record);
    return this.count++;
  }

  /** A record's facts; its defects too once the columns hold them (a changed record's flags change with it). */
  set(row: number, record: ManifestRecord): void {
    if (this.defectsReady) this.defects[row] = defectBitsOf(record, this.thresholds);
    this.flags[row] = (this.flags[row]! & DUPLICATE) | (record.error ? ERROR : 0) | (record.audit === true ? AUDIT : 0);
    this.score[row] = lowestScore(record);
    for (let k = 0; k < 2; k++) {
      const caption = record[CAPTION_KINDS[k]!];
      const at = row * 2 + k;
      this.by[at] = caption ? CAPTION_AUTHORS.indexOf(caption.by) + 1 : 0;
      this.review[at] = caption ? REVIEWS.indexOf(caption.review ?? null) : 0;
      this.length[at] = caption ? caption.text.length : 0;
    }
  }

  /** Row `to` takes `from`'s row `at` (facts computed elsewhere, e.g. while a save wrote the record). */
  copyRow(from: RecordColumns, at: number, to: number): void {
    this.flags[to] = from.flags[at]!;
    this.score[to] = from.score[at]!;
    if (this.defectsReady && from.defectsReady) this.defects[to] = from.defects[at]!;
    for (let k = 0; k < 2; k++) {
      this.by[to * 2 + k] = from.by[at * 2 + k]!;
      this.review[to * 2 + k] = from.review[at * 2 + k]!;
      this.length[to * 2 + k] = from.length[at * 2 + k]!;
    }
  }

  /** Whether every row's duplicate mark is computed (markDuplicates). */
  duplicatesReady = false;

  /** Marks exactly `rows` as in a duplicate group. */
  markDuplicates(rows: Iterable<number>): void {
    for (let row = 0; row < this.count; row++) this.flags[row] = this.flags[row]! & ~DUPLICATE;
    for (const row of rows) if (row >= 0 && row < this.count) this.flags[row] = this.flags[row]! | DUPLICATE;
    this.duplicatesReady = true;
  }

  isDuplicate(row: number): boolean {
    return (this.flags[row]! & DUPLICATE) !== 0;
  }

  setDefects(row: number, bits: number): void {
    this.defects[row] = bits;
  }

  /** Every row's defects are set (setDefects), against these dataset thresholds. */
  defectsComputed(thresholds: DatasetThresholds | null): void {
    this.thresholds = thresholds;
    this.defectsReady = true;
  }

  /** Takes `other`'s defect state (whether computed, and against which thresholds), not its rows. */
  defectStateOf(other: RecordColumns): void {
    this.defectsReady = other.defectsReady;
    this.thresholds = other.thresholds;
  }

  /** Fills `scratch` with a row's facts and returns it. */
  factsInto(row: number, scratch: FactsScratch): FactsScratch {
    scratch.error = (this.flags[row]! & ERROR) !== 0;
    scratch.defects = this.defectsReady ? this.defects[row]! : null;
    scratch.ssc = this.captionInto(row * 2, scratch.sscSlot);
    scratch.dsc = this.captionInto(row * 2 + 1, scratch.dscSlot);
    return scratch;
  }

  factsAt(row: number): RecordFacts {
    const f = this.factsInto(row, factsScratch());
    const facts: RecordFacts = { ssc: f.ssc && { ...f.ssc }, dsc: f.dsc && { ...f.dsc }, error: f.error };
    // Defects only once known: facts without them are what a record's own facts (factsOf) are.
    if (f.defects !== null && f.defects !== undefined) facts.defects = f.defects;
    return facts;
  }

  private captionInto(at: number, slot: CaptionFacts): CaptionFacts | null {
    const by = this.by[at]!;
    if (by === 0) return null;
    slot.by = CAPTION_AUTHORS[by - 1]!;
    slot.review = REVIEWS[this.review[at]!]!;
    slot.length = this.length[at]!;
    return slot;
  }

  stateAt(row: number, scratch: FactsScratch): RecordState {
    return recordState(this.factsInto(row, scratch));
  }

  counts(): Counts {
    const counts: Counts = { total: this.count, uncaptioned: 0, machine: 0, edited: 0, approved: 0, rejected: 0, error: 0 };
    const scratch = factsScratch();
    for (let row = 0; row < this.count; row++) counts[this.stateAt(row, scratch)]++;
    return counts;
  }

  toData(): RecordColumnsData {
    return { count: this.count, flags: this.flags, defects: this.defects, defectsReady: this.defectsReady, by: this.by, review: this.review, length: this.length, score: this.score };
  }

  /** Columns over arrays from `toData` (checked: they come from another thread's message). */
  static fromData(data: RecordColumnsData): RecordColumns {
    const { count, flags, defects, by, review, length, score } = data;
    const fits =
      Number.isInteger(count) && count >= 0 && flags.length >= count && defects.length >= count && by.length >= count * 2 && review.length >= count * 2 && length.length >= count * 2 && score instanceof Float32Array && score.length >= count;
    if (!fits) throw new Error('index columns do not fit their row count');
    const columns = new RecordColumns(0);
    columns.flags = flags;
    columns.by = by;
    columns.review = review;
    columns.length = length;
    columns.defects = defects;
    columns.score = score;
    columns.defectsReady = data.defectsReady === true;
    columns.count = count;
    return columns;
  }

  /** The columns with rows in a new order: `rows[i]` is the old row that becomes row i. */
  permuted(rows: ArrayLike<number>): RecordColumns {
    const out = new RecordColumns(Math.max(rows.length, 1));
    for (let i = 0; i < rows.length; i++) {
      const from = rows[i]!;
      out.flags[i] = this.flags[from]!;
      out.defects[i] = this.defects[from]!;
      out.score[i] = this.score[from]!;
      for (let k = 0; k < 2; k++) {
        out.by[i * 2 + k] = this.by[from * 2 + k]!;
        out.review[i * 2 + k] = this.review[from * 2 + k]!;
        out.length[i * 2 + k] = this.length[from * 2 + k]!;
      }
    }
    out.count = rows.length;
    out.defectStateOf(this);
    // A new record's group is unknown until the next pass.
    out.duplicatesReady = false;
    return out;
  }

  private grow(capacity: number): void {
    const grow = <T extends Uint8Array | Uint32Array | Float32Array>(a: T, n: number): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      b.set(a);
      return b;
    };
    this.flags = grow(this.flags, capacity);
    this.by = grow(this.by, capacity * 2);
    this.review = grow(this.review, capacity * 2);
    this.length = grow(this.length, capacity * 2);
    this.defects = grow(this.defects, capacity);
    this.score = grow(this.score, capacity);
  }

  /**
   * `positions` (ascending) in review order: by lowest score (unscored last), flagged first or the audit
   * sample first; ties keep manifest order. A numeric sort of one float per position, no comparator.
   */
  ordered(positions: Int32Array, order: ReviewOrder): Int32Array {
    if (order === 'file') return positions;
    if (order === 'flagged' || order === 'audit') {
      const first = (row: number) => (order === 'flagged' ? this.defects[row]! !== 0 : (this.flags[row]! & AUDIT) !== 0);
      const out = new Int32Array(positions.length);
      let at = 0;
      for (const row of positions) if (first(row)) out[at++] = row;
      for (const row of positions) if (!first(row)) out[at++] = row;
      return out;
    }
    // Score in [-1, 1] to 21 bits, above the row's 31: one exact float64 key per position.
    const keys = new Float64Array(positions.length);
    for (let i = 0; i < positions.length; i++) {
      const row = positions[i]!;
      const score = this.score[row]!;
      const q = Number.isNaN(score) ? SCORE_STEPS + 1 : Math.round((Math.max(-1, Math.min(1, score)) + 1) * (SCORE_STEPS / 2));
      keys[i] = q * 2 ** 31 + row;
    }
    keys.sort();
    return Int32Array.from(keys, (k) => k % 2 ** 31);
  }
}
