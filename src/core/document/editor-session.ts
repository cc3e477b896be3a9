// Everything an open caption editor asks of its dataset, with no vscode import: the first screen, pages of
// what the filter shows, find-next, previews and applies of find & replace and the normalizers, edits, bulk
// reviews of a multi-selection, and the selection the host's commands act on. One session per open
// document, over the registry's shared edit model; the host's provider maps each protocol request to one
// method here. Requests are checked at the boundary (the protocol) before they reach a session.
import * as path from 'node:path';
import { isEmptyQuery, planReplace } from '../dataset/query.js';
import type { PatternRunner } from '../dataset/pattern-runner.js';
import type { NormalizationChange } from '../analysis/normalizers.js';
import type { Range } from '../../shared/range-set.js';
import type { BulkReviewSpec, EditRequest, NormalizeSpec } from '../../shared/record-edits.js';
import { isUnreviewed, type RecordQuery, type ReplaceChange, type ReplaceSpec } from '../../shared/record-query.js';
import type { DatasetSummary, PageResult, RecordView } from '../../shared/record-view.js';
import type { BulkReviewResult } from './bulk-review.js';
import type { CaptionEditModel } from './caption-edit-model.js';
import { applyEditRequest, applyNormalizationChanges, applyReplaceChanges, reviewRows } from './editor-edits.js';
import { FilteredRows } from './filtered-rows.js';
import { planNormalization } from './normalize-plan.js';
import { thumbnailsOf, viewOf, type RecordViewer } from './record-views.js';

/** Most changes a preview lists (its total counts them all). */
export const MAX_PREVIEW = 200;

/** A preview of a find & replace or normalization: the first changes, how many in all, or why it cannot run. */
export interface Preview<Change> {
  total: number;
  changes: Change[];
  error: string | null;
}

/**
 * The editor's selection: the image it shows, the images its filter shows (null when no filter is set, i.e.
 * every image) and the images multi-selected (null when none are).
 */
export interface EditorSelection {
  current: string | null;
  filtered: string[] | null;
  selected: string[] | null;
}

/** What the webview last reported it shows. */
export interface ShownSelection {
  fileName: string | null;
  query: RecordQuery;
  ranges: Range[];
}

export class EditorSession {
  private readonly rows: FilteredRows;
  private shown: ShownSelection | null = null;

  constructor(
    readonly model: CaptionEditModel,
    /** Where users' regular expressions (the filter, find & replace) run: a worker with a deadline. */
    private readonly patterns: PatternRunner,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    this.rows = new FilteredRows(model, patterns, log);
  }

  /** What the editor shows first: the head of the file while the rest loads. */
  summary(): DatasetSummary {
    const model = this.model;
    return {
      folderName: path.basename(model.folder),
      manifestName: model.fileName,
      ...this.resetState(),
      readOnly: false,
      loading: !model.loaded,
    };
  }

  /** What a view refetches after the record list was replaced (load, revert, a change on disk). */
  resetState(): Pick<DatasetSummary, 'total' | 'counts' | 'problems'> {
    const model = this.model;
    const problems = model.loaded ? model.problems.map((p) => ({ line: p.line, message: p.message })) : [];
    return { total: model.loaded ? model.size : model.head.length, counts: model.getCounts(), problems };
  }

  /** A page of what the filter shows; a bad filter is an error in the result, not a thrown one. */
  async page({ query, offset, limit }: { query: RecordQuery; offset: number; limit: number }, viewer: RecordViewer): Promise<PageResult> {
    const model = this.model;
    // The first screen comes from the head of the file while the rest loads.
    if (!model.loaded && isEmptyQuery(query) && offset + limit <= model.head.length) {
      const records = await Promise.all(model.head.slice(offset, offset + limit).map((r, i) => viewOf(viewer, model.folder, null, r, offset + i)));
      return { total: model.head.length, offset, records, error: null };
    }
    let total: number;
    try {
      await this.rows.prepare(query);
      total = this.rows.total(query);
    } catch (err) {
      return { total: 0, offset, records: [], error: (err as Error).message };
    }
    const names = model.names();
    const end = Math.min(total, offset + limit);
    const records: RecordView[] = [];
    for (let i = offset; i < end; i++) {
      const at = this.rows.positionAt(query, i);
      records.push(await viewOf(viewer, model.folder, model.defectThresholds, model.get(names[at]!)!, at));
    }
    return { total, offset, records, error: null };
  }

  /** Makes (once) and returns the thumbnail URIs of these records. */
  async thumbnails({ fileNames }: { fileNames: string[] }, viewer: RecordViewer): Promise<Record<string, string | null>> {
    await this.model.ready;
    return thumbnailsOf(viewer, fileNames, (name) => this.model.get(name));
  }

  /** The position, within what the filter shows, of the next (or previous) record after `from`, or of the next unreviewed one. */
  async findNext({ query, from, direction, unreviewedOnly }: { query: RecordQuery; from: number; direction: 1 | -1; unreviewedOnly: boolean }): Promise<{ position: number | null }> {
    await this.rows.prepare(query);
    const total = this.rows.total(query);
    for (let p = from + direction; p >= 0 && p < total; p += direction) {
      if (!unreviewedOnly || isUnreviewed(this.model.factsAt(this.rows.positionAt(query, p)))) return { position: p };
    }
    return { position: null };
  }

  /** What a find & replace over the filter (or the multi-selection in it) would change. */
  previewReplace(spec: ReplaceSpec): Promise<Preview<ReplaceChange>> {
    return this.preview(() => this.planReplace(spec));
  }

  /** Find & replace over what the filter shows, or the multi-selection in it, as one undoable edit. */
  async applyReplace(spec: ReplaceSpec): Promise<{ changed: number }> {
    return { changed: applyReplaceChanges(this.model, await this.planReplace(spec)) };
  }

  /** What the normalizers over the filter (or the multi-selection in it) would change. */
  previewNormalize(spec: NormalizeSpec): Promise<Preview<NormalizationChange>> {
    return this.preview(() => this.planNormalize(spec));
  }

  /** The normalizers over what the filter shows, or the multi-selection in it, as one undoable edit. */
  async applyNormalize(spec: NormalizeSpec): Promise<{ changed: number }> {
    return { changed: applyNormalizationChanges(this.model, await this.planNormalize(spec), spec.includeProtected) };
  }

  private async planReplace(spec: ReplaceSpec): Promise<ReplaceChange[]> {
    await this.rows.prepare(spec.query);
    return planReplace(this.rows.records(spec.query, spec.ranges), spec, this.patterns);
  }

  private async planNormalize(spec: NormalizeSpec): Promise<NormalizationChange[]> {
    await this.rows.prepare(spec.query);
    return planNormalization(this.rows.records(spec.query, spec.ranges), spec);
  }

  private async preview<Change>(plan: () => Promise<Change[]>): Promise<Preview<Change>> {
    try {
      const changes = await plan();
      return { total: changes.length, changes: changes.slice(0, MAX_PREVIEW), error: null };
    } catch (err) {
      return { total: 0, changes: [], error: (err as Error).message };
    }
  }

  /** One caption typed or reviewed. An edit made on the first screen before the full load is applied once it is loaded. */
  async edit(request: EditRequest): Promise<{ applied: boolean; reason?: string }> {
    await this.model.ready;
    return applyEditRequest(this.model, request);
  }

  /** A bulk review of a multi-selection within the filter, as one undoable edit. */
  async bulkReview({ query, ranges, kinds, review }: BulkReviewSpec): Promise<BulkReviewResult> {
    await this.rows.prepare(query);
    const started = performance.now();
    const rows = this.rows.rowsOf(query, ranges);
    const result = reviewRows(this.model, rows, kinds, review);
    this.log(`bulk review (${review ?? 'clear'}) of ${rows.length} records: ${result.changed} captions changed, ${result.kept} kept, in ${(performance.now() - started).toFixed(0)} ms`);
    return result;
  }

  /** These records changed in place: their views, and the counts, for the webview; null before the load ends. */
  async changedViews(names: readonly string[], viewer: RecordViewer): Promise<{ records: RecordView[]; counts: DatasetSummary['counts'] } | null> {
    const model = this.model;
    if (!model.loaded) return null;
    const records = await Promise.all(
      names.flatMap((name) => {
        const record = model.get(name);
        return record ? [viewOf(viewer, model.folder, model.defectThresholds, record, model.positionOf(name))] : [];
      }),
    );
    return { records, counts: model.getCounts() };
  }

  /** The webview reported what it shows (checked at the boundary). */
  select(shown: ShownSelection): void {
    this.shown = shown;
  }

  /** The editor's selection, for the host's commands; undefined before the webview reported anything. */
  selection(): EditorSelection | undefined {
    const s = this.shown;
    if (!s) return undefined;
    if (!this.model.loaded) return { current: s.fileName, filtered: null, selected: null };
    // A filter not searched yet, or a stale selection: that part is unknown, not guessed.
    const attempt = <T>(read: () => T): T | null => {
      try {
        return read();
      } catch {
        return null;
      }
    };
    const names = this.model.names();
    const selected = s.ranges.length > 0 ? attempt(() => Array.from(this.rows.rowsOf(s.query, s.ranges), (row) => names[row]!)) : null;
    return { current: s.fileName, filtered: isEmptyQuery(s.query) ? null : attempt(() => this.rows.matchingNames(s.query)), selected };
  }
}
