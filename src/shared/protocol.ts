// The one language the caption editor's host (src/extension) and webview (src/webview) speak.
// Requests carry an id and get exactly one reply (a result or an error); events are one-way.
// Both sides import this file, so a renamed field breaks the build on both sides at once.
import type { AltText, Caption, CaptionKind, ReviewState } from './record.js';
import type { Counts, RecordQuery, ReplaceChange, ReplaceSpec } from './record-query.js';

// The domain types the messages carry, re-exported so the webview has one import.
export type { AuthorFilter, Counts, FieldFilter, RecordQuery, RecordState, ReplaceChange, ReplaceSpec, ReviewFilter } from './record-query.js';
export { EMPTY_QUERY, isUnreviewed, recordState } from './record-query.js';

// ---------------------------------------------------------------------------------------------
// Data shapes

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
}

/** Which normalizers to run (src/core/analysis/normalizers.ts), over the images the filter shows. */
export interface NormalizeSpec {
  query: RecordQuery;
  /** Strip a stock opening ("The image shows", "This is"...). */
  stripOpening: boolean;
  /** Cut a stock closing sentence ("Overall, ...", "The mood is ..."). */
  cutClosing: boolean;
  /** Make every caption end with a period, or none; null leaves the ends alone. */
  trailingPeriod: 'add' | 'remove' | null;
  fields: CaptionKind[];
  /** Also change captions a person wrote or reviewed (off unless the user asks). */
  includeProtected: boolean;
}

export interface NormalizeChange extends ReplaceChange {
  /** A person wrote or reviewed this caption. */
  protected: boolean;
}

// ---------------------------------------------------------------------------------------------
// Requests: webview -> host

export interface HostRequests {
  /** First call after the webview loads. */
  init: { params: Record<string, never>; result: InitInfo };
  /** A page of the query's result. `queryId` lets the host reuse the filtered index between pages. */
  page: { params: { query: RecordQuery; offset: number; limit: number }; result: PageResult };
  /** Makes (once) and returns thumbnail URIs for these records. */
  thumbnails: { params: { fileNames: string[] }; result: Record<string, string | null> };
  /** The position of the next (or previous) record matching `unreviewed` after `from` within the query. */
  findNext: {
    params: { query: RecordQuery; from: number; direction: 1 | -1; unreviewedOnly: boolean };
    result: { position: number | null };
  };
  previewReplace: { params: ReplaceSpec; result: { total: number; changes: ReplaceChange[]; error: string | null } };
  applyReplace: { params: ReplaceSpec; result: { changed: number } };
  previewNormalize: { params: NormalizeSpec; result: { total: number; changes: NormalizeChange[]; error: string | null } };
  /** Applies the normalizers as one undoable edit. */
  applyNormalize: { params: NormalizeSpec; result: { changed: number } };
  /** An edit from the webview. Resolves once the host applied it (the webview never waits on it). */
  edit: { params: EditRequest; result: { applied: boolean; reason?: string } };
}

export type EditRequest =
  | { op: 'text'; fileName: string; kind: CaptionKind; text: string }
  | { op: 'review'; fileName: string; kind: CaptionKind; review: ReviewState };

export interface InitInfo {
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

export interface PageResult {
  /** Number of records matching the query. */
  total: number;
  offset: number;
  records: RecordView[];
  /** Set when the query could not run (e.g. a bad regex); records is then empty. */
  error: string | null;
}

// ---------------------------------------------------------------------------------------------
// Events: host -> webview

export type HostEvent =
  /** These records changed (undo/redo, a captioning run, a merge): replace them where shown. */
  | { type: 'recordsChanged'; records: RecordView[]; counts: Counts }
  /** The document was reloaded wholesale (revert, reload from disk): refetch everything. */
  | { type: 'reset'; total: number; counts: Counts; problems: { line: number; message: string }[] }
  /** Something the user should see in the editor's status line. */
  | { type: 'notice'; level: 'info' | 'warning' | 'error'; message: string };

/** Events: webview -> host (no reply). */
export type WebviewEvent =
  | { type: 'log'; level: 'info' | 'error'; message: string }
  | { type: 'firstRender'; ms: number; rows: number }
  /** A toolbar button: run one of the extension's commands on this dataset. */
  | { type: 'command'; command: ToolbarCommand }
  /** The image shown and the filter in use: what the host's commands mean by "the editor's selection". */
  | { type: 'selection'; fileName: string | null; query: RecordQuery };

export const TOOLBAR_COMMANDS = ['recaption.recaptionFolder', 'recaption.showReport', 'recaption.exportFineTuneSet', 'recaption.upsample'] as const;
export type ToolbarCommand = (typeof TOOLBAR_COMMANDS)[number];

// ---------------------------------------------------------------------------------------------
// Wire format

export type RequestMethod = keyof HostRequests;

export interface RequestMessage<M extends RequestMethod = RequestMethod> {
  kind: 'request';
  id: number;
  method: M;
  params: HostRequests[M]['params'];
}

export type ResponseMessage =
  | { kind: 'response'; id: number; ok: true; result: unknown }
  | { kind: 'response'; id: number; ok: false; error: string };

export interface HostEventMessage {
  kind: 'event';
  event: HostEvent;
}

export interface WebviewEventMessage {
  kind: 'event';
  event: WebviewEvent;
}

export type WebviewToHost = RequestMessage | WebviewEventMessage;
export type HostToWebview = ResponseMessage | HostEventMessage;

export const REQUEST_TIMEOUT_MS = 30_000;

const METHODS: readonly RequestMethod[] = ['init', 'page', 'thumbnails', 'findNext', 'previewReplace', 'applyReplace', 'previewNormalize', 'applyNormalize', 'edit'];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Narrow an untrusted message from the webview. Params are checked by each handler. */
export function isWebviewToHost(value: unknown): value is WebviewToHost {
  if (!isObject(value)) return false;
  if (value.kind === 'request') {
    return typeof value.id === 'number' && typeof value.method === 'string' && (METHODS as readonly string[]).includes(value.method) && isObject(value.params);
  }
  return value.kind === 'event' && isObject(value.event) && typeof value.event.type === 'string';
}

export function isHostToWebview(value: unknown): value is HostToWebview {
  if (!isObject(value)) return false;
  if (value.kind === 'response') return typeof value.id === 'number' && typeof value.ok === 'boolean';
  return value.kind === 'event' && isObject(value.event) && typeof value.event.type === 'string';
}
