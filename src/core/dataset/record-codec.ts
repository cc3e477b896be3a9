// Manifest records packed for another thread: a record parsed on a worker costs its receiver a fraction of
// parsing its line again when it travels as numbers in one transferred array and its texts in one list of
// strings, where a structured clone of the record itself costs about as much as JSON.parse (measured on the
// bench's records: 0.5 µs a record against 3 µs). Lossless: a record with fields or types this layout does
// not know travels whole.
import type { AltText, Caption, ManifestRecord } from '../../shared/record.js';
import { grown } from '../util/grown.js';

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

/** What a field may hold to have a slot: a string (or null), a number (or null), a boolean, or one of the nested objects. */
type FieldKind = 'name' | 'string' | 'number' | 'boolean' | 'alt' | 'caption';

const RECORD_FIELDS = new Map<string, FieldKind>([
  ['file_name', 'name'], ['width', 'number'], ['height', 'number'], ['sha256', 'string'], ['error', 'string'], ['bytes', 'number'], ['mtime_ms', 'number'],
  ['missing', 'boolean'], ['stale', 'boolean'], ['audit', 'boolean'], ['score_model', 'string'], ['phash', 'string'], ['alt', 'alt'], ['ssc', 'caption'], ['dsc', 'caption'],
]);
const CAPTION_FIELDS = new Map<string, FieldKind>([
  ['text', 'name'], ['by', 'string'], ['model', 'string'], ['at', 'string'], ['review', 'string'], ['original', 'string'], ['finish', 'string'], ['score', 'number'],
]);
const ALT_FIELDS = new Map<string, FieldKind>([['text', 'name'], ['source', 'string'], ['score', 'number']]);

/** Records packed by RecordPacker: what a worker posts (transfer `numbers.buffer`). */
export interface PackedRecords {
  count: number;
  numbers: Float64Array;
  strings: string[];
  /** Records that travel whole (fields this layout does not know), at their slot WHOLE's index. */
  whole: ManifestRecord[];
}

/** Whether every field of `value` has a slot of its kind, and its required string (`required`) is there. */
function fits(value: Record<string, unknown>, fields: ReadonlyMap<string, FieldKind>, required: string): boolean {
  if (typeof value[required] !== 'string') return false;
  for (const key in value) {
    const kind = fields.get(key);
    if (kind === undefined || !fitsKind(value[key], kind)) return false;
  }
  return true;
}

function fitsKind(v: unknown, kind: FieldKind): boolean {
  switch (kind) {
    case 'name':
      return typeof v === 'string';
    case 'string':
      return v === null || typeof v === 'string';
    case 'number':
      return v === null || typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    case 'alt':
      return v === null || (typeof v === 'object' && fits(v as Record<string, unknown>, ALT_FIELDS, 'text'));
    case 'caption':
      return v === null || (typeof v === 'object' && fits(v as Record<string, unknown>, CAPTION_FIELDS, 'text'));
  }
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
    if (this.numbers.length < (this.count + 1) * SLOTS) this.numbers = grown(this.numbers, (this.count + 1) * SLOTS);
    const n = this.numbers;
    const at = this.count++ * SLOTS;
    if (!fits(record, RECORD_FIELDS, 'file_name')) {
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
