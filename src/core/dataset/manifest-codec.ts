// Parse and serialize recaption.jsonl. Parsing never throws on content: a line that is not a valid
// record becomes a ManifestProblem that carries its raw text, so a save writes it back verbatim.
import {
  CAPTION_AUTHORS,
  type AltSource,
  type Caption,
  type ManifestRecord,
} from '../../shared/record.js';

export interface ManifestProblem {
  /** 1-based line number in the file as loaded. */
  line: number;
  message: string;
  /** The line exactly as read (without its line break). */
  raw: string;
  /** The file_name of the good record before it, so a save puts it back where it was (null: file start). */
  after: string | null;
}

export interface ParsedManifest {
  records: ManifestRecord[];
  problems: ManifestProblem[];
  eol: '\n' | '\r\n';
  hadBom: boolean;
}

const ALT_SOURCES: readonly AltSource[] = ['sidecar', 'metadata.jsonl', 'metadata.csv', 'exif', 'xmp', 'iptc'];

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
  if (name.split('/').some((part) => part === '..' || part === '.' || part === '')) {
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
  return null;
}

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
  }
  const bad = captionProblem(value.ssc, 'ssc') ?? captionProblem(value.dsc, 'dsc');
  if (bad) return bad;
  const normaliseCaption = (c: Json | undefined): Caption | null =>
    isObject(c) ? ({ ...c, review: (c.review ?? null) as Caption['review'] } as unknown as Caption) : null;
  return {
    ...value,
    file_name: name,
    width: (value.width ?? null) as number | null,
    height: (value.height ?? null) as number | null,
    sha256: (value.sha256 ?? null) as string | null,
    alt: (alt ?? null) as ManifestRecord['alt'],
    ssc: normaliseCaption(value.ssc),
    dsc: normaliseCaption(value.dsc),
    error: (value.error ?? null) as string | null,
  };
}

export function parseManifest(text: string): ParsedManifest {
  const hadBom = text.charCodeAt(0) === 0xfeff;
  const body = hadBom ? text.slice(1) : text;
  const eol = body.includes('\r\n') ? '\r\n' : '\n';
  const lines = body.split('\n');
  const records: ManifestRecord[] = [];
  const problems: ManifestProblem[] = [];
  const seen = new Set<string>();
  let previous: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.endsWith('\r') ? lines[i]!.slice(0, -1) : lines[i]!;
    if (raw.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (err) {
      problems.push({ line: i + 1, message: `not valid JSON: ${(err as Error).message}`, raw, after: previous });
      continue;
    }
    const record = toRecord(parsed);
    if (typeof record === 'string') {
      problems.push({ line: i + 1, message: record, raw, after: previous });
    } else if (seen.has(record.file_name)) {
      problems.push({
        line: i + 1,
        message: `duplicate file_name "${record.file_name}": the first line wins, this one is kept as it is`,
        raw,
        after: previous,
      });
    } else {
      seen.add(record.file_name);
      records.push(record);
      previous = record.file_name;
    }
  }
  return { records, problems, eol, hadBom };
}

/** Byte-wise order of the UTF-16 code units: stable across locales, so diffs stay small everywhere. */
export function compareFileNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Field order on disk: the contract's fields first, then the optional and foreign ones. */
const FIELD_ORDER = ['file_name', 'width', 'height', 'sha256', 'alt', 'ssc', 'dsc', 'error'];

export function serializeRecord(record: ManifestRecord): string {
  const ordered: Record<string, unknown> = {};
  for (const key of FIELD_ORDER) ordered[key] = record[key] ?? null;
  for (const [key, value] of Object.entries(record)) {
    if (!(key in ordered) && value !== undefined) ordered[key] = value;
  }
  return JSON.stringify(ordered);
}

/**
 * Writes records sorted by file_name; each problem line goes back after the record it followed
 * (or at the top), so nothing a person wrote is dropped.
 */
export function serializeManifest(
  records: Iterable<ManifestRecord>,
  problems: readonly ManifestProblem[],
  eol: '\n' | '\r\n' = '\n',
): string {
  const sorted = [...records].sort((a, b) => compareFileNames(a.file_name, b.file_name));
  const byAnchor = new Map<string | null, ManifestProblem[]>();
  for (const p of problems) {
    const list = byAnchor.get(p.after) ?? [];
    list.push(p);
    byAnchor.set(p.after, list);
  }
  const out: string[] = [];
  for (const p of byAnchor.get(null) ?? []) out.push(p.raw);
  const names = new Set(sorted.map((r) => r.file_name));
  for (const r of sorted) {
    out.push(serializeRecord(r));
    for (const p of byAnchor.get(r.file_name) ?? []) out.push(p.raw);
  }
  // Problems anchored to a record that no longer exists go at the end rather than vanish.
  for (const [anchor, list] of byAnchor) {
    if (anchor !== null && !names.has(anchor)) for (const p of list) out.push(p.raw);
  }
  return out.length === 0 ? '' : out.join(eol) + eol;
}
