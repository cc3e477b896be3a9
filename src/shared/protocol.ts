// The one language the caption editor's host (src/extension) and webview (src/webview) speak.
// Requests carry an id and get exactly one reply (a result or an error); events are one-way.
// Both sides import this file, so a renamed field breaks the build on both sides at once.
import { checkRanges, type Range } from './range-set.js';
import { checkCaptionFields, checkRecordQuery, checkReplaceSpec, type Counts, type RecordQuery, type ReplaceChange, type ReplaceSpec } from './record-query.js';
import type { DatasetSummary, RecordView, PageResult } from './record-view.js';
import type { BulkReviewSpec, EditRequest, NormalizeChange, NormalizeSpec } from './record-edits.js';
import { MAX_CAPTION_CHARS } from './limits.js';

export { MAX_CAPTION_CHARS };

// The domain types the messages carry, re-exported so the webview has one import.
export type { AuthorFilter, Counts, FieldFilter, RecordQuery, RecordState, ReplaceChange, ReplaceSpec, ReviewFilter } from './record-query.js';
export { EMPTY_QUERY, isUnreviewed, recordState } from './record-query.js';

// ---------------------------------------------------------------------------------------------
// Data shapes: domain shapes the editor's session in src/core builds and takes, defined beside the
// record types (core never imports this file).

export type { DatasetSummary, RecordView, PageResult } from './record-view.js';
export type { BulkReviewSpec, EditRequest, NormalizeChange, NormalizeSpec, SelectionSpec } from './record-edits.js';

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
  /** Reviews the selected records' captions as one undoable edit (see BulkReviewSpec). */
  bulkReview: { params: BulkReviewSpec; result: { changed: number; kept: number } };
}

/** How the editor lays out its records: a list beside the image, or a grid of thumbnails. */
export const EDITOR_LAYOUTS = ['list', 'grid'] as const;
export type EditorLayout = (typeof EDITOR_LAYOUTS)[number];

/** Grid tile sizes in CSS pixels, and the step of the size control. */
export const TILE_SIZE = { min: 64, max: 320, default: 140, step: 4 } as const;

/** What the editor remembers per workspace about its layout. */
export interface LayoutState {
  layout: EditorLayout;
  tileSize: number;
}

export const DEFAULT_LAYOUT: LayoutState = { layout: 'list', tileSize: TILE_SIZE.default };

/** A layout state from an untrusted source (a message, stored state), with defaults for what is wrong. */
export function layoutStateOf(value: unknown): LayoutState {
  const v = isObject(value) ? value : {};
  const layout = (EDITOR_LAYOUTS as readonly unknown[]).includes(v.layout) ? (v.layout as EditorLayout) : DEFAULT_LAYOUT.layout;
  const size = typeof v.tileSize === 'number' && Number.isFinite(v.tileSize) ? Math.round(v.tileSize) : DEFAULT_LAYOUT.tileSize;
  return { layout, tileSize: Math.min(TILE_SIZE.max, Math.max(TILE_SIZE.min, size)) };
}

export interface InitInfo extends DatasetSummary {
  /** The layout this workspace last used. */
  layout: LayoutState;
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
  /** The grid drew its first tiles, `ms` after the switch to it (for the perf script and the log). */
  | { type: 'gridRender'; ms: number; tiles: number }
  /** A toolbar button: run one of the extension's commands on this dataset. */
  | { type: 'command'; command: ToolbarCommand }
  /**
   * The image shown, the filter in use and the multi-selection within it (no ranges: none): what the
   * host's commands mean by "the editor's selection".
   */
  | { type: 'selection'; fileName: string | null; query: RecordQuery; ranges: Range[] }
  /** The user switched layout or tile size: remembered per workspace. */
  | { type: 'layout'; state: LayoutState };

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
/** A bulk request (a bulk review, an apply of find & replace or a normalizer) can touch a whole dataset: it gets longer. */
export const BULK_REQUEST_TIMEOUT_MS = 120_000;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Most records one page, thumbnail or preview request may ask for. */
export const MAX_PAGE = 500;

const isIndex = (v: unknown, min = 0) => Number.isSafeInteger(v) && (v as number) >= min;

function checkNormalizeSpec(p: Record<string, unknown>): string | null {
  for (const key of ['stripOpening', 'cutClosing', 'includeProtected'] as const) if (typeof p[key] !== 'boolean') return `${key} must be true or false`;
  if (p.trailingPeriod !== null && p.trailingPeriod !== 'add' && p.trailingPeriod !== 'remove') return 'trailingPeriod must be add, remove or null';
  return checkCaptionFields(p.fields) ?? checkRecordQuery(p.query) ?? checkRanges(p.ranges);
}

function checkEdit(p: Record<string, unknown>): string | null {
  if (typeof p.fileName !== 'string') return 'fileName must be a string';
  if (p.kind !== 'ssc' && p.kind !== 'dsc') return `unknown caption kind "${String(p.kind)}"`;
  if (p.op === 'text') return typeof p.text === 'string' && p.text.length <= MAX_CAPTION_CHARS ? null : `text must be a string of at most ${MAX_CAPTION_CHARS} characters`;
  if (p.op === 'review') return p.review === null || p.review === 'approved' || p.review === 'rejected' ? null : `unknown review state "${String(p.review)}"`;
  return `unknown edit "${String(p.op)}"`;
}

/**
 * What each request's params must look like, checked at run time before a handler sees them (they come
 * over postMessage). Keyed by every method of HostRequests, so a new method cannot go unchecked, and the
 * list of methods is derived from it.
 */
export const REQUEST_PARAM_CHECKS: { readonly [M in RequestMethod]: (params: Record<string, unknown>) => string | null } = {
  init: () => null,
  page: (p) => checkRecordQuery(p.query) ?? (isIndex(p.offset) && isIndex(p.limit, 1) && (p.limit as number) <= MAX_PAGE ? null : `offset and limit must be whole numbers, limit 1 to ${MAX_PAGE}`),
  thumbnails: (p) => (Array.isArray(p.fileNames) && p.fileNames.length <= MAX_PAGE && p.fileNames.every((n) => typeof n === 'string') ? null : `fileNames must be at most ${MAX_PAGE} strings`),
  findNext: (p) =>
    checkRecordQuery(p.query) ??
    (!isIndex(p.from, -1) ? 'from must be a whole number >= -1' : p.direction !== 1 && p.direction !== -1 ? 'direction must be 1 or -1' : typeof p.unreviewedOnly !== 'boolean' ? 'unreviewedOnly must be true or false' : null),
  previewReplace: checkReplaceSpec,
  applyReplace: checkReplaceSpec,
  previewNormalize: checkNormalizeSpec,
  applyNormalize: checkNormalizeSpec,
  edit: checkEdit,
  bulkReview: (p) =>
    checkRecordQuery(p.query) ??
    checkRanges(p.ranges) ??
    checkCaptionFields(p.kinds) ??
    (p.review === null || p.review === 'approved' || p.review === 'rejected' ? null : `unknown review state "${String(p.review)}"`),
};

export const REQUEST_METHODS = Object.keys(REQUEST_PARAM_CHECKS) as RequestMethod[];

export function isRequestMethod(value: unknown): value is RequestMethod {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(REQUEST_PARAM_CHECKS, value);
}

/** Narrow an untrusted message from the webview: a request with an id (its method and params are checked
 *  by checkRequest, so that a bad one gets an error reply), or an event. */
export function isWebviewToHost(value: unknown): value is WebviewToHost {
  if (!isObject(value)) return false;
  if (value.kind === 'request') return Number.isSafeInteger(value.id);
  return value.kind === 'event' && isObject(value.event) && typeof value.event.type === 'string';
}

/** What is wrong with a request's method or params, or null. */
export function checkRequest(message: { method: unknown; params: unknown }): string | null {
  if (!isRequestMethod(message.method)) return `unknown request "${String(message.method)}"`;
  if (!isObject(message.params) || Array.isArray(message.params)) return `${message.method}: params must be an object`;
  const problem = REQUEST_PARAM_CHECKS[message.method](message.params);
  return problem === null ? null : `${message.method}: ${problem}`;
}

export function isHostToWebview(value: unknown): value is HostToWebview {
  if (!isObject(value)) return false;
  if (value.kind === 'response') return typeof value.id === 'number' && typeof value.ok === 'boolean';
  return value.kind === 'event' && isObject(value.event) && typeof value.event.type === 'string';
}
