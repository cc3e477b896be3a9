// Parse and serialize recaption.jsonl. Parsing never throws on content: a line that is not a valid
// record becomes a ManifestProblem that carries its raw text, so a save writes it back verbatim.
import {
  CAPTION_AUTHORS,
  CAPTION_FINISHES,
  type AltSource,
  type ManifestRecord,
} from '../../shared/record.js';

export interface ManifestProblem {
  /** 1-based line number in the file as loaded. */
  line: number;
  message: string;
  /**
   * The line exactly as read (without its line break); bytes for a line too long to read as text. An
   * indexed manifest keeps `span` instead and reads the line back from its file when it saves.
   */
  raw?: string | Uint8Array;
  /** Where the line is in the file it was read from (bytes, without its line break). */
  span?: LineSpan;
  /** The file_name of the good record before it, so a save puts it back where it was (null: file start). */
  after: string | null;
  /** The image the line was about, when its file_name can still be read: a scan must not add it again. */
  fileName?: string;
}

/** The file_name a broken line names, if it can be found: a JSON string after the first "file_name" key. */
function fileNameInBrokenLine(raw: string): string | undefined {
  const m = /"file_name"\s*:\s*("(?:[^"\\]|\\.)*")/.exec(raw);
  if (!m) return undefined;
  try {
    const name: unknown = JSON.parse(m[1]!);
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined;
  }
}

export interface LineSpan {
  offset: number;
  length: number;
}

export interface ParsedManifest {
  records: ManifestRecord[];
  problems: ManifestProblem[];
  eol: '\n' | '\r\n';
  hadBom: boolean;
}

/** Longest manifest line read as a record: a record with its captions is a few KB. */
export const MAX_LINE_BYTES = 8 << 20;
/** Deepest nesting a line may have: records are a few levels deep; more is a foreign field gone wrong. */
export const MAX_JSON_DEPTH = 64;

/** Whether a parsed value nests deeper than `max` (walked with a stack: no recursion to overflow). */
function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
  return false;
}

/** The fields of a record and of its captions whose shape toRecord checks: only other fields can nest. */
const RECORD_FIELDS = new Set(['file_name', 'width', 'height', 'sha256', 'alt', 'ssc', 'dsc', 'error', 'bytes', 'mtime_ms', 'missing', 'stale']);
const NESTED_FIELDS = new Set(['text', 'source', 'by', 'model', 'at', 'review', 'original']);

/**
 * Whether a line's fields written by other tools nest deeper than `max`. A record's own fields are a few
 * levels deep by their shape, so only the others are walked: the common record costs a key lookup or two.
 */
function foreignFieldsNestDeeperThan(parsed: unknown, max: number): boolean {
  if (!isObject(parsed)) return nestsDeeperThan(parsed, max);
  for (const key in parsed) {
    const value = parsed[key];
    if (typeof value !== 'object' || value === null) continue;
    if (!RECORD_FIELDS.has(key)) {
      if (nestsDeeperThan(value, max - 1)) return true;
      continue;
    }
    if (!isObject(value)) continue;
    for (const inner in value) {
      const child = value[inner];
      if (typeof child === 'object' && child !== null && !NESTED_FIELDS.has(inner) && nestsDeeperThan(child, max - 2)) return true;
    }
  }
  return false;
}

const ALT_SOURCES: readonly AltSource[] = ['sidecar', 'metadata.jsonl', 'metadata.csv', 'exif', 'xmp', 'iptc', 'parquet', 'webdataset'];
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: unknown): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Returns why `name` is not a safe dataset-relative POSIX path, or null when it is. */
export function unsafeFileNameReason(name: string): string | null {
  if (name.length === 0) return 'file_name is empty';
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return `file_name "${name}" is absolute`;
  if (name.includes('\\')) return `file_name "${name}" uses backslashes; use POSIX "/"`;
  if (name.includes('\0')) return 'file_name contains a NUL character';
  // An empty, "." or ".." segment (one regex: this runs for every line of a million-line manifest).
  if (/(?:^|\/)\.{0,2}(?:\/|$)/.test(name)) {
    return `file_name "${name}" escapes or does not name a path inside the dataset folder`;
  }
  return null;
}

function captionProblem(value: unknown, field: string): string | null {
  if (value === null || value === undefined) return null;
  if (!isObject(value)) return `${field} must be an object or null`;
  if (typeof value.text !== 'string') return `${field}.text must be a string`;
  if (typeof value.by !== 'string' || !(CAPTION_AUTHORS as readonly string[]).includes(value.by)) {
    return `${field}.by must be one of ${CAPTION_AUTHORS.join(', ')}`;
  }
  const review = value.review;
  if (review !== undefined && review !== null && review !== 'approved' && review !== 'rejected') {
    return `${field}.review must be "approved", "rejected" or null`;
  }
  if (value.model !== undefined && typeof value.model !== 'string') return `${field}.model must be a string`;
  if (value.at !== undefined && typeof value.at !== 'string') return `${field}.at must be a string`;
  if (value.original !== undefined && typeof value.original !== 'string') return `${field}.original must be a string`;
  if (value.finish !== undefined && !(CAPTION_FINISHES as readonly unknown[]).includes(value.finish)) return `${field}.finish must be one of ${CAPTION_FINISHES.join(', ')}`;
  return scoreProblem(value.score, field);
}

/** Scores are cosines of two embeddings: a number from -1 to 1. */
function scoreProblem(score: unknown, field: string): string | null {
  if (score === undefined || (typeof score === 'number' && score >= -1 && score <= 1)) return null;
  return `${field}.score must be a number from -1 to 1 (a cosine similarity), not ${typeof score === 'number' ? score : typeof score}`;
}

/** A perceptual hash as the scan writes it: 64 bits in 16 lower-case hex digits. */
export const PHASH_PATTERN = /^[0-9a-f]{16}$/;

/** Checks one parsed JSON value; returns the record or why it is not one. */
export function toRecord(value: unknown): ManifestRecord | string {
  if (!isObject(value)) return 'line is not a JSON object';
  const name = value.file_name;
  if (typeof name !== 'string') return 'missing string field "file_name"';
  const unsafe = unsafeFileNameReason(name);
  if (unsafe) return unsafe;
  for (const dim of ['width', 'height'] as const) {
    const v = value[dim];
    if (v !== undefined && v !== null && (typeof v !== 'number' || !Number.isInteger(v) || v < 0)) {
      return `${dim} must be a non-negative integer or null`;
    }
  }
  if (value.sha256 !== undefined && value.sha256 !== null && typeof value.sha256 !== 'string') return 'sha256 must be a string or null';
  if (value.error !== undefined && value.error !== null && typeof value.error !== 'string') return 'error must be a string or null';
  const alt = value.alt;
  if (alt !== undefined && alt !== null) {
    if (!isObject(alt) || typeof alt.text !== 'string') return 'alt must be {"text": string, "source": ...} or null';
    if (typeof alt.source !== 'string' || !(ALT_SOURCES as readonly string[]).includes(alt.source)) {
      return `alt.source must be one of ${ALT_SOURCES.join(', ')}`;
    }
    const badScore = scoreProblem(alt.score, 'alt');
    if (badScore) return badScore;
  }
  if (value.score_model !== undefined && typeof value.score_model !== 'string') return 'score_model must be a string';
  if (value.audit !== undefined && typeof value.audit !== 'boolean') return 'audit must be true or false';
  if (value.phash !== undefined && (typeof value.phash !== 'string' || !PHASH_PATTERN.test(value.phash))) return 'phash must be 16 lower-case hex digits';
  const bad = captionProblem(value.ssc, 'ssc') ?? captionProblem(value.dsc, 'dsc');
  if (bad) return bad;
  // Fill defaults in place: copying every record would double the cost of loading a large manifest.
  const record = value as unknown as ManifestRecord;
  record.width ??= null;
  record.height ??= null;
  record.sha256 ??= null;
  record.alt ??= null;
  record.ssc ??= null;
  record.dsc ??= null;
  record.error ??= null;
  if (record.ssc) record.ssc.review ??= null;
  if (record.dsc) record.dsc.review ??= null;
  return record;
}

/**
 * Parses a manifest line by line, so a large file can be fed from a stream without ever being one string.
 * Line numbers are 1-based, as an editor shows them.
 */
export class ManifestLineParser {
  /**
   * `onRecord`: hand each good record over instead of keeping it (a streaming read: memory stays at the
   * set of names seen, for duplicate detection).
   */
  constructor(
    private readonly onRecord?: (record: ManifestRecord, line: number) => void,
    /**
     * false: the caller finds duplicate names itself (an index sorts its names anyway, and a Set of a
     * million names is tens of MB that only a streaming read needs).
     */
    private readonly findDuplicates = true,
    /** false: the lines are a later part of the file (a pass split over threads): no byte-order mark to take off. */
    private readonly atFileStart = true,
  ) {}

  /** The message a line gets whose file_name an earlier line already has. */
  static duplicateMessage(fileName: string): string {
    return `duplicate file_name "${fileName}": the first line wins, this one is kept as it is`;
  }

  /** The problem for a line, with its text kept or, when the caller says where the line is, its span. */
  private problem(line: number, message: string, raw: string | Uint8Array, fileName: string | undefined, span: LineSpan | undefined): void {
    this.problems.push(span ? { line, message, span, after: this.previous, fileName } : { line, message, raw, after: this.previous, fileName });
  }

  private readonly records: ManifestRecord[] = [];
  private readonly problems: ManifestProblem[] = [];
  private readonly seen = new Set<string>();
  private previous: string | null = null;
  private lineNumber = 0;
  private hadBom = false;
  private sawCrlf = false;

  /**
   * One line without its "\n" (a trailing "\r" is dropped here). `span`: where the line is in its file; a
   * problem line then keeps the span instead of its text.
   */
  add(line: string, span?: LineSpan): void {
    this.lineNumber++;
    let raw = line;
    if (this.atFileStart && this.lineNumber === 1 && raw.charCodeAt(0) === 0xfeff) {
      this.hadBom = true;
      raw = raw.slice(1);
    }
    if (raw.charCodeAt(raw.length - 1) === 13) {
      this.sawCrlf = true;
      raw = raw.slice(0, -1);
    }
    // Only a line that starts with whitespace can be blank; checking first avoids copying every line.
    if (raw.length === 0 || (raw.charCodeAt(0) <= 32 && raw.trim() === '')) return;
    const line_ = this.lineNumber;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (err) {
      this.problem(line_, `not valid JSON: ${(err as Error).message}`, raw, fileNameInBrokenLine(raw), span);
      return;
    }
    // A line that parsed but is no record still names its image, when it has a string file_name.
    const named = isObject(parsed) && typeof parsed.file_name === 'string' ? parsed.file_name : undefined;
    if (foreignFieldsNestDeeperThan(parsed, MAX_JSON_DEPTH)) {
      this.problem(line_, `nested deeper than ${MAX_JSON_DEPTH} levels; kept as it is`, raw, named, span);
      return;
    }
    const record = toRecord(parsed);
    if (typeof record === 'string') {
      this.problem(line_, record, raw, named, span);
    } else if (this.findDuplicates && this.seen.has(record.file_name)) {
      this.problem(line_, ManifestLineParser.duplicateMessage(record.file_name), raw, undefined, span);
    } else {
      if (this.findDuplicates) this.seen.add(record.file_name);
      if (this.onRecord) this.onRecord(record, line_);
      else this.records.push(record);
      this.previous = record.file_name;
    }
  }

  /**
   * A line over MAX_LINE_BYTES: never turned into text or parsed, kept as it is, at `span` in its file.
   * `head` is its start (enough to name its image), without its line end.
   */
  addOversized(head: Uint8Array, span: LineSpan): void {
    this.lineNumber++;
    const text = Buffer.from(head.buffer, head.byteOffset, Math.min(head.length, 4096)).toString('utf8');
    const message = `line is ${(span.length / 2 ** 20).toFixed(0)} MB, over the ${MAX_LINE_BYTES / 2 ** 20} MB a manifest line may have; kept as it is`;
    this.problem(this.lineNumber, message, head, fileNameInBrokenLine(text), span);
  }

  /** A line that ended in "\r\n" (told by a caller that strips line ends itself). */
  noteCrlf(): void {
    this.sawCrlf = true;
  }

  finish(): ParsedManifest {
    return { records: this.records, problems: this.problems, eol: this.sawCrlf ? '\r\n' : '\n', hadBom: this.hadBom };
  }
}

export function parseManifest(text: string): ParsedManifest {
  const parser = new ManifestLineParser();
  let start = 0;
  for (;;) {
    const end = text.indexOf('\n', start);
    if (end === -1) {
      if (start < text.length) parser.add(text.slice(start));
      break;
    }
    parser.add(text.slice(start, end));
    start = end + 1;
  }
  return parser.finish();
}

/** Byte-wise order of the UTF-16 code units: stable across locales, so diffs stay small everywhere. */
export function compareFileNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Field order on disk: the contract's fields first, then the optional and foreign ones. */
const FIELD_ORDER = ['file_name', 'width', 'height', 'sha256', 'alt', 'ssc', 'dsc', 'error'];
const CONTRACT_FIELDS = new Set(FIELD_ORDER);

/** True when the contract fields come first, in order, all defined: then one native stringify is the line. */
function inCanonicalOrder(record: ManifestRecord): boolean {
  let i = 0;
  for (const key in record) {
    if (i === FIELD_ORDER.length) return true;
    if (key !== FIELD_ORDER[i] || record[key] === undefined) return false;
    i++;
  }
  return i === FIELD_ORDER.length;
}

/** One line, contract fields first in a fixed order, then the optional and foreign ones. */
export function serializeRecord(record: ManifestRecord): string {
  if (inCanonicalOrder(record)) return JSON.stringify(record);
  let line = '{';
  for (const key of FIELD_ORDER) {
    if (line.length > 1) line += ',';
    line += `"${key}":${JSON.stringify(record[key] ?? null)}`;
  }
  for (const key in record) {
    const value = record[key];
    if (value === undefined || CONTRACT_FIELDS.has(key)) continue;
    line += `,${JSON.stringify(key)}:${JSON.stringify(value)}`;
  }
  return line + '}';
}

/**
 * The manifest text in chunks of about `chunkChars` characters: records sorted by file_name, each problem
 * line back after the record it followed (or at the top), so nothing a person wrote is dropped. Chunks
 * let a save stream a large manifest instead of building it as one string.
 */
export function* serializeManifestChunks(
  records: Iterable<ManifestRecord>,
  problems: readonly ManifestProblem[],
  eol: '\n' | '\r\n' = '\n',
  chunkChars = 1 << 20,
): Generator<string | Uint8Array> {
  const sorted = [...records];
  // Already sorted when it comes from the store; sorting a sorted array is linear.
  sorted.sort((a, b) => compareFileNames(a.file_name, b.file_name));
  const byAnchor = new Map<string | null, ManifestProblem[]>();
  for (const p of problems) {
    const list = byAnchor.get(p.after) ?? [];
    list.push(p);
    byAnchor.set(p.after, list);
  }
  let chunk = '';
  // Problem lines kept as bytes go out as they are, between text chunks.
  const emit = function* (anchor: string | null): Generator<Uint8Array | string> {
    for (const p of byAnchor.get(anchor) ?? []) {
      if (p.raw === undefined) throw new Error(`line ${p.line} has no text to write back (an indexed manifest writes it from its file)`);
      if (typeof p.raw === 'string') chunk += p.raw + eol;
      else {
        if (chunk) yield chunk;
        yield p.raw;
        chunk = eol;
      }
    }
    byAnchor.delete(anchor);
  };
  yield* emit(null);
  for (const r of sorted) {
    chunk += serializeRecord(r) + eol;
    if (byAnchor.size > 0) yield* emit(r.file_name);
    if (chunk.length >= chunkChars) {
      yield chunk;
      chunk = '';
    }
  }
  // Problems anchored to a record that no longer exists go at the end rather than vanish.
  for (const anchor of [...byAnchor.keys()]) yield* emit(anchor);
  if (chunk) yield chunk;
}

export function serializeManifest(
  records: Iterable<ManifestRecord>,
  problems: readonly ManifestProblem[],
  eol: '\n' | '\r\n' = '\n',
): string {
  return joinChunks(serializeManifestChunks(records, problems, eol));
}

/** Serialized chunks as one string (for tests and small manifests; a large one is streamed instead). */
export function joinChunks(chunks: Iterable<string | Uint8Array>): string {
  let text = '';
  for (const chunk of chunks) text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
  return text;
}
