// Manifest records packed for another thread: a record parsed on a worker costs its receiver a fraction of
// parsing its line again when it travels as numbers in one transferred array and its texts in one list of
// strings, where a structured clone of the record itself costs about as much as JSON.parse (measured on the
// bench's records: 0.5 µs a record against 3 µs). Lossless: a record with fields or types this layout does
// not know travels whole.
import type { AltText, Caption, ManifestRecord } from '../../shared/record.js';

/** Slots of a caption: text, by, model, at, review, original, finish, score. */
const CAPTION_SLOTS = 8;
/** Slots of a record: 12 of its own fields, 3 of its alt-text, 8 for each caption, and where it went whole. */
const SLOTS = 12 + 3 + 2 * CAPTION_SLOTS + 1;
const ALT = 12;
const SSC = 15;
const DSC = SSC + CAPTION_SLOTS;
const WHOLE = SLOTS - 1;

/** A string slot: an index into `strings`, or one of these. A number slot: the number, or one of these (JSON numbers are finite). */
const ABSENT = -1;
const NULL = -2;
const ABSENT_NUMBER = -Infinity;
const NULL_NUMBER = Number.NaN;

const RECORD_KEYS = new Set(['file_name', 'width', 'height', 'sha256', 'error', 'bytes', 'mtime_ms', 'missing', 'stale', 'audit', 'score_model', 'phash', 'alt', 'ssc', 'dsc']);
const CAPTION_KEYS = new Set(['text', 'by', 'model', 'at', 'review', 'original', 'finish', 'score']);
const ALT_KEYS = new Set(['text', 'source', 'score']);

/** Records packed by RecordPacker: what a worker posts (transfer `numbers.buffer`). */
export interface PackedRecords {
  count: number;
  numbers: Float64Array;
  strings: string[];
  /** Records that travel whole (fields this layout does not know), at their slot WHOLE's index. */
  whole: ManifestRecord[];
}

function keysWithin(value: object, known: ReadonlySet<string>): boolean {
  for (const key in value) if (!known.has(key)) return false;
  return true;
}

const isStringOrMissing = (v: unknown) => v === undefined || v === null || typeof v === 'string';
const isNumberOrMissing = (v: unknown) => v === undefined || v === null || typeof v === 'number';
const isBooleanOrMissing = (v: unknown) => v === undefined || typeof v === 'boolean';

function fitsCaption(caption: Caption | null | undefined): boolean {
  if (caption === null || caption === undefined) return true;
  return (
    typeof caption === 'object' &&
    keysWithin(caption, CAPTION_KEYS) &&
    typeof caption.text === 'string' &&
    isStringOrMissing(caption.by) &&
    isStringOrMissing(caption.model) &&
    isStringOrMissing(caption.at) &&
    isStringOrMissing(caption.review) &&
    isStringOrMissing(caption.original) &&
    isStringOrMissing(caption.finish) &&
    isNumberOrMissing(caption.score)
  );
}

/** Whether the record's every field has a slot of its type (a null where the layout has one, or a value). */
function fitsLayout(record: ManifestRecord): boolean {
  const alt = record.alt;
  return (
    keysWithin(record, RECORD_KEYS) &&
    typeof record.file_name === 'string' &&
    isNumberOrMissing(record.width) &&
    isNumberOrMissing(record.height) &&
    isStringOrMissing(record.sha256) &&
    isStringOrMissing(record.error) &&
    isNumberOrMissing(record.bytes) &&
    isNumberOrMissing(record.mtime_ms) &&
    isBooleanOrMissing(record.missing) &&
    isBooleanOrMissing(record.stale) &&
    isBooleanOrMissing(record.audit) &&
    isStringOrMissing(record.score_model) &&
    isStringOrMissing(record.phash) &&
    (alt === null || alt === undefined || (typeof alt === 'object' && keysWithin(alt, ALT_KEYS) && typeof alt.text === 'string' && isStringOrMissing(alt.source) && isNumberOrMissing(alt.score))) &&
    fitsCaption(record.ssc) &&
    fitsCaption(record.dsc)
  );
}

/** Packs records a batch at a time; the strings that repeat across records (authors, models, times) are sent once a batch. */
export class RecordPacker {
  private numbers = new Float64Array(SLOTS * 256);
  private strings: string[] = [];
  private readonly repeated = new Map<string, number>();
  private whole: ManifestRecord[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(record: ManifestRecord): void {
    if (this.numbers.length < (this.count + 1) * SLOTS) {
      const numbers = new Float64Array(this.numbers.length * 2);
      numbers.set(this.numbers);
      this.numbers = numbers;
    }
    const n = this.numbers;
    const at = this.count++ * SLOTS;
    if (!fitsLayout(record)) {
      n[at + WHOLE] = this.whole.length;
      this.whole.push(record);
      return;
    }
    n[at + WHOLE] = ABSENT;
    n[at] = this.unique(record.file_name);
    n[at + 1] = this.number(record.width);
    n[at + 2] = this.number(record.height);
    n[at + 3] = this.unique(record.sha256);
    n[at + 4] = this.shared(record.error);
    n[at + 5] = this.number(record.bytes);
    n[at + 6] = this.number(record.mtime_ms);
    n[at + 7] = this.flag(record.missing);
    n[at + 8] = this.flag(record.stale);
    n[at + 9] = this.flag(record.audit);
    n[at + 10] = this.shared(record.score_model);
    n[at + 11] = this.unique(record.phash);
    const alt = record.alt;
    n[at + ALT] = alt === undefined ? ABSENT : alt === null ? NULL : this.unique(alt.text);
    if (alt) {
      n[at + ALT + 1] = this.shared(alt.source);
      n[at + ALT + 2] = this.number(alt.score);
    }
    this.caption(record.ssc, at + SSC);
    this.caption(record.dsc, at + DSC);
  }

  /** The packed batch; the packer starts a new one. */
  take(): PackedRecords {
    // The numbers' buffer goes to the receiver (transferred): the next batch gets a new one.
    const packed: PackedRecords = { count: this.count, numbers: this.numbers.subarray(0, this.count * SLOTS), strings: this.strings, whole: this.whole };
    this.numbers = new Float64Array(this.numbers.length);
    this.strings = [];
    this.whole = [];
    this.repeated.clear();
    this.count = 0;
    return packed;
  }

  private caption(caption: Caption | null | undefined, at: number): void {
    const n = this.numbers;
    n[at] = caption === undefined ? ABSENT : caption === null ? NULL : this.unique(caption.text);
    if (!caption) return;
    n[at + 1] = this.shared(caption.by);
    n[at + 2] = this.shared(caption.model);
    n[at + 3] = this.shared(caption.at);
    n[at + 4] = this.shared(caption.review);
    n[at + 5] = this.unique(caption.original);
    n[at + 6] = this.shared(caption.finish);
    n[at + 7] = this.number(caption.score);
  }

  private unique(text: string | null | undefined): number {
    if (text === undefined) return ABSENT;
    if (text === null) return NULL;
    return this.strings.push(text) - 1;
  }

  private shared(text: string | null | undefined): number {
    if (text === undefined) return ABSENT;
    if (text === null) return NULL;
    let index = this.repeated.get(text);
    if (index === undefined) {
      index = this.strings.push(text) - 1;
      this.repeated.set(text, index);
    }
    return index;
  }

  private number(value: number | null | undefined): number {
    return value === undefined ? ABSENT_NUMBER : value === null ? NULL_NUMBER : value;
  }

  private flag(value: boolean | undefined): number {
    return value === undefined ? ABSENT : value ? 1 : 0;
  }
}

/** The records of a packed batch, as they were packed (field order aside). */
export function unpackRecords(packed: PackedRecords): ManifestRecord[] {
  const { numbers: n, strings } = packed;
  const records = new Array<ManifestRecord>(packed.count);
  const text = (slot: number): string | null | undefined => (slot >= 0 ? strings[slot] : slot === NULL ? null : undefined);
  const number = (value: number): number | null | undefined => (value === ABSENT_NUMBER ? undefined : value !== value ? null : value);
  const caption = (at: number): Caption | null | undefined => {
    const t = n[at]!;
    if (t < 0) return t === NULL ? null : undefined;
    const result = { text: strings[t]! } as Caption;
    setValue(result, 'by', text(n[at + 1]!));
    setValue(result, 'model', text(n[at + 2]!));
    setValue(result, 'at', text(n[at + 3]!));
    setValue(result, 'review', text(n[at + 4]!));
    setValue(result, 'original', text(n[at + 5]!));
    setValue(result, 'finish', text(n[at + 6]!));
    setValue(result, 'score', number(n[at + 7]!));
    return result;
  };
  for (let r = 0; r < packed.count; r++) {
    const at = r * SLOTS;
    const whole = n[at + WHOLE]!;
    if (whole >= 0) {
      records[r] = packed.whole[whole]!;
      continue;
    }
    const record = { file_name: strings[n[at]!]! } as ManifestRecord;
    setValue(record, 'width', number(n[at + 1]!));
    setValue(record, 'height', number(n[at + 2]!));
    setValue(record, 'sha256', text(n[at + 3]!));
    const altText = n[at + ALT]!;
    if (altText >= 0) {
      const alt = { text: strings[altText]! } as AltText;
      setValue(alt, 'source', text(n[at + ALT + 1]!));
      setValue(alt, 'score', number(n[at + ALT + 2]!));
      record.alt = alt;
    } else if (altText === NULL) {
      record.alt = null;
    }
    setValue(record, 'ssc', caption(at + SSC));
    setValue(record, 'dsc', caption(at + DSC));
    setValue(record, 'error', text(n[at + 4]!));
    setValue(record, 'bytes', number(n[at + 5]!));
    setValue(record, 'mtime_ms', number(n[at + 6]!));
    setFlag(record, 'missing', n[at + 7]!);
    setFlag(record, 'stale', n[at + 8]!);
    setFlag(record, 'audit', n[at + 9]!);
    setValue(record, 'score_model', text(n[at + 10]!));
    setValue(record, 'phash', text(n[at + 11]!));
    records[r] = record;
  }
  return records;
}

/** Sets a field only when it was there (undefined: the record had no such key). */
function setValue<T extends object>(target: T, key: string, value: unknown): void {
  if (value !== undefined) (target as Record<string, unknown>)[key] = value;
}


function setFlag(target: ManifestRecord, key: 'missing' | 'stale' | 'audit', value: number): void {
  if (value !== ABSENT) target[key] = value === 1;
}

/** The buffers a packed batch hands over with it (postMessage's transfer list). */
export function packedBuffers(packed: PackedRecords): ArrayBuffer[] {
  return [packed.numbers.buffer as ArrayBuffer];
}
