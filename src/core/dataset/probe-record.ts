// What a scan makes of an image probe: the fields it writes into a record, and the record a scan adds for
// an image it has not seen before. Shared by the scan and by the import, which probes the bytes it has
// just written instead of scanning the folder afterwards, so both give the same record.
import { emptyRecord, type ManifestRecord } from '../../shared/record.js';
import type { ImageProbe } from './image-probe.js';

/** Writes the probe's fields into `record`; 'changed' when the image's content is not what the record had hashed. */
export function applyProbe(record: ManifestRecord, probe: ImageProbe): 'changed' | 'same' {
  const contentChanged = record.sha256 !== null && probe.sha256 !== null && record.sha256 !== probe.sha256;
  if (contentChanged && (record.ssc || record.dsc)) record.stale = true;
  record.width = probe.width;
  record.height = probe.height;
  record.sha256 = probe.sha256;
  if (probe.phash) record.phash = probe.phash;
  else delete record.phash;
  record.bytes = probe.bytes;
  record.mtime_ms = probe.mtimeMs;
  record.error = probe.error;
  return contentChanged ? 'changed' : 'same';
}

/** The record a scan adds for a new image with no sidecar or metadata file: its embedded description as alt-text. */
export function newRecordFromProbe(fileName: string, probe: ImageProbe): ManifestRecord {
  const record = emptyRecord(fileName);
  applyProbe(record, probe);
  if (probe.embedded) record.alt = probe.embedded;
  return record;
}
