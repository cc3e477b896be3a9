// Ground truth a dataset already carries: sidecar .txt/.caption files and Hugging Face metadata.jsonl /
// metadata.csv (file_name relative to the metadata file's folder; caption column text|caption|alt|alt_text).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import type { AltText } from '../../shared/record.js';
import type { FoundFile } from './walk.js';

export const CAPTION_COLUMNS = ['text', 'caption', 'alt', 'alt_text'] as const;

export interface DecodedText {
  text: string;
  /** Set when the bytes were not UTF-8 and were read as Windows-1252 instead. */
  warning: string | null;
}

// Windows-1252's 0x80–0x9F block (Node's decoder treats the label as ISO-8859-1 and leaves C1 controls).
const CP1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ';

function decodeWindows1252(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b >= 0x80 && b <= 0x9f ? CP1252_HIGH[b - 0x80] : String.fromCharCode(b);
  return out;
}

/** Reads a text file as UTF-8 (BOM stripped); non-UTF-8 bytes fall back to Windows-1252 with a warning. */
export function decodeText(bytes: Uint8Array, label: string): DecodedText {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes), warning: null };
  } catch {
    return {
      text: decodeWindows1252(bytes),
      warning: `${label} is not valid UTF-8; read it as Windows-1252. Check the text and re-save the file as UTF-8.`,
    };
  }
}

export async function readSidecar(file: FoundFile): Promise<{ alt: AltText | null; warning: string | null }> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file.abs);
  } catch (err) {
    return { alt: null, warning: `cannot read sidecar ${file.rel}: ${(err as Error).message}` };
  }
  const decoded = decodeText(bytes, `sidecar ${file.rel}`);
  const text = decoded.text.replace(/\r\n?/g, '\n').trim();
  return { alt: text ? { text, source: 'sidecar' } : null, warning: decoded.warning };
}

function pickCaption(row: Record<string, unknown>): string | null {
  for (const column of CAPTION_COLUMNS) {
    const value = row[column];
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
  }
  return null;
}

/** Joins a metadata file's folder and a row's file_name into a dataset-relative POSIX path, or null if it escapes. */
function datasetPath(metadataRel: string, fileName: string): string | null {
  const folder = path.posix.dirname(metadataRel);
  const joined = path.posix.normalize(folder === '.' ? fileName : `${folder}/${fileName}`);
  if (joined.startsWith('../') || joined === '..' || path.posix.isAbsolute(joined)) return null;
  return joined;
}

export interface MetadataCaptions {
  captions: Map<string, AltText>;
  warnings: string[];
}

/** Captions from one metadata.jsonl or metadata.csv, keyed by dataset-relative path. */
export async function readMetadataFile(file: FoundFile): Promise<MetadataCaptions> {
  const captions = new Map<string, AltText>();
  const warnings: string[] = [];
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file.abs);
  } catch (err) {
    return { captions, warnings: [`cannot read ${file.rel}: ${(err as Error).message}`] };
  }
  const decoded = decodeText(bytes, file.rel);
  if (decoded.warning) warnings.push(decoded.warning);
  const isCsv = file.rel.endsWith('.csv');
  const source = isCsv ? 'metadata.csv' : 'metadata.jsonl';
  const rows: Array<{ line: number; row: unknown }> = [];
  if (isCsv) {
    try {
      const records = parseCsv(decoded.text, { columns: true, bom: true, skip_empty_lines: true, relax_column_count: true, info: true });
      for (const r of records as Array<{ record: unknown; info: { lines: number } }>) rows.push({ line: r.info.lines, row: r.record });
    } catch (err) {
      return { captions, warnings: [...warnings, `cannot parse ${file.rel}: ${(err as Error).message}`] };
    }
  } else {
    decoded.text.split('\n').forEach((raw, i) => {
      const line = raw.replace(/\r$/, '').replace(/^\uFEFF/, '');
      if (line.trim() === '') return;
      try {
        rows.push({ line: i + 1, row: JSON.parse(line) });
      } catch {
        warnings.push(`${file.rel} line ${i + 1}: not valid JSON, ignored`);
      }
    });
  }
  for (const { line, row } of rows) {
    if (typeof row !== 'object' || row === null) continue;
    const record = row as Record<string, unknown>;
    const name = record.file_name;
    if (typeof name !== 'string') {
      warnings.push(`${file.rel} line ${line}: no file_name, ignored`);
      continue;
    }
    const rel = datasetPath(file.rel, name);
    if (rel === null) {
      warnings.push(`${file.rel} line ${line}: file_name "${name}" points outside the dataset, ignored`);
      continue;
    }
    const text = pickCaption(record);
    if (text !== null) captions.set(rel, { text, source });
  }
  return { captions, warnings };
}
