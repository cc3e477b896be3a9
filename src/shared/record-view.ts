// One record as the caption editor shows it, and a page of them: what the editor's session (src/core)
// answers and the webview draws. The protocol (protocol.ts) carries these; core builds them without it.
import type { AltText, Caption } from './record.js';
import type { Counts } from './record-query.js';
import type { DefectFlag } from './defect-flags.js';

/** One record as the webview sees it: the manifest fields it shows plus URIs it may load. */
export interface RecordView {
  fileName: string;
  /** Position in the whole manifest (sorted order). */
  index: number;
  width: number | null;
  height: number | null;
  alt: AltText | null;
  ssc: Caption | null;
  dsc: Caption | null;
  error: string | null;
  missing: boolean;
  /** webview URI of the full image. */
  image: string;
  /** webview URI of the cached thumbnail, or null until it has been made (ask with `thumbnails`). */
  thumb: string | null;
  /** The record's defect flags: its own, and once the flag pass has run, those measured against the dataset. */
  flags: DefectFlag[];
}

export interface PageResult {
  /** Number of records matching the query. */
  total: number;
  offset: number;
  records: RecordView[];
  /** Set when the query could not run (e.g. a bad regex); records is then empty. */
  error: string | null;
}

/** What an editor shows first of its dataset, and again after a reset. */
export interface DatasetSummary {
  folderName: string;
  manifestName: string;
  total: number;
  counts: Counts;
  /** Lines of the manifest that could not be read (kept as they are on save). */
  problems: { line: number; message: string }[];
  readOnly: boolean;
  /** True while the host is still loading the whole manifest: `total` is then only the first records. */
  loading: boolean;
}
