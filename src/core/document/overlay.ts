// The edit model's overlay: the user's unsaved captions, keyed by image and caption kind, on top of the base.
import { CAPTION_KINDS, type Caption, type CaptionKind, type ManifestRecord } from '../../shared/record.js';

/** One caption's unsaved value (null: the user removed it). */
export interface OverlayEntry {
  fileName: string;
  kind: CaptionKind;
  caption: Caption | null;
}

/** An overlay entry's state before an edit: absent, or the value it held. */
export const ABSENT = Symbol('absent');
export type OverlaySlot = Caption | null | typeof ABSENT;

export const keyOf = (fileName: string, kind: CaptionKind): string => `${kind}\0${fileName}`;

/** `record` with the captions `overlay` holds for it on top (the record itself when it holds none). */
export function overlaid(record: ManifestRecord, overlay: ReadonlyMap<string, OverlayEntry>): ManifestRecord {
  let out = record;
  for (const kind of CAPTION_KINDS) {
    const entry = overlay.get(keyOf(record.file_name, kind));
    if (entry) out = { ...out, [kind]: entry.caption };
  }
  return out;
}

export function clone(caption: Caption | null): Caption | null {
  return caption === null ? null : structuredClone(caption);
}
