// A record's line read back at the offset the index recorded for it: it must still be that record.
import type { ManifestRecord } from '../../shared/record.js';
import { toRecord } from './manifest-codec.js';
import { ManifestChangedError } from './line-source.js';

/** Parses a record line the index read before: anything else now means the file changed under it. */
export function parseIndexedLine(line: string, expectedName: string): ManifestRecord {
  let record: ManifestRecord | string;
  try {
    record = toRecord(JSON.parse(line));
  } catch {
    record = 'not JSON';
  }
  if (typeof record === 'string' || record.file_name !== expectedName) {
    throw new ManifestChangedError(`the manifest's line for "${expectedName}" is not what was read before; the file changed on disk and is read again`);
  }
  return record;
}
