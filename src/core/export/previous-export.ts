// What an earlier export in the output folder says about itself (its export.json), read as untrusted: a
// hand-edited record must not be able to get a foreign file or folder deleted by the next forced export.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { EXPORT_RECORD_NAME, CARD_FOLDER, CARD_NAME } from './output-names.js';
import { EXPORT_FORMATS, type ExportFormat } from './types.js';

export interface PreviousExport {
  format: ExportFormat | null;
  /** The top-level names it wrote that its format writes: what a forced export replaces. */
  outputs: string[];
  /** The fingerprint of its settings, when it recorded one (see settings-fingerprint.ts). */
  settings: string | null;
}

/** The dataset card every export writes beside its data: README.md and the folder of its plots. */
const CARD_NAMES: readonly string[] = [CARD_NAME, CARD_FOLDER];

/** Top-level names this format may write. */
export function formatWrites(format: ExportFormat, name: string): boolean {
  if (CARD_NAMES.includes(name)) return true;
  switch (format) {
    case 'parquet':
      return name === 'data';
    case 'hf':
    case 'sidecar':
      return name === 'train' || name === 'validation';
    case 'webdataset':
      return /^(train|validation)-\d+\.tar$/.test(name);
    case 'llava':
      return name === 'train.json' || name === 'validation.json' || name === 'images';
    case 'openai':
      return name === 'train.jsonl' || name === 'validation.jsonl' || name === 'images';
  }
}

export function isTopLevelName(name: unknown): name is string {
  return typeof name === 'string' && name !== '' && name !== '.' && name !== '..' && !/[\\/\0]/.test(name);
}

/**
 * The earlier export in `out`, or null when there is no recaption export.json. Only names its own format
 * writes count as its outputs (or, for a record without a known format, names `fallback` writes).
 */
export async function readPreviousExport(out: string, fallback: ExportFormat): Promise<PreviousExport | null> {
  let parsed: { tool?: unknown; format?: unknown; outputs?: unknown; settings_sha256?: unknown };
  try {
    parsed = JSON.parse(await fs.readFile(path.join(out, EXPORT_RECORD_NAME), 'utf8')) as typeof parsed;
  } catch {
    return null;
  }
  if (parsed === null || typeof parsed !== 'object' || parsed.tool !== 'recaption' || !Array.isArray(parsed.outputs)) return null;
  const format = EXPORT_FORMATS.find((f) => f === parsed.format) ?? null;
  const outputs = parsed.outputs.filter((o): o is string => isTopLevelName(o) && formatWrites(format ?? fallback, o));
  return { format, outputs: [...new Set(outputs)], settings: typeof parsed.settings_sha256 === 'string' ? parsed.settings_sha256 : null };
}
