// The editor's edits, each one undoable step with the label the host's undo menu shows: one caption typed
// or reviewed, a previewed find & replace or normalization, a bulk review, machine captions the user asked
// for. A caption changed since its preview is skipped; a person's caption is never overwritten by a machine.
import { applyNormalization, type NormalizationChange } from '../analysis/normalizers.js';
import type { MachineCaption } from '../dataset/caption-writes.js';
import type { EditRequest } from '../../shared/record-edits.js';
import type { CaptionKind, ReviewState } from '../../shared/record.js';
import type { ReplaceChange } from '../../shared/record-query.js';
import type { BulkReviewResult } from './bulk-review.js';
import type { CaptionEditModel } from './caption-edit-model.js';

/** One caption typed or reviewed (its shape checked at the boundary). Returns why it was refused, if it was. */
export function applyEditRequest(model: CaptionEditModel, request: EditRequest): { applied: boolean; reason?: string } {
  const { fileName, kind } = request;
  const record = model.get(fileName);
  if (!record) return { applied: false, reason: `no record for "${fileName}"` };
  if (request.op === 'text') {
    model.edit(`Edit ${kind.toUpperCase()}`, (e) => e.writeHumanCaption(fileName, kind, request.text));
    return { applied: true };
  }
  const review = request.review;
  if (!record[kind]) return { applied: false, reason: `"${fileName}" has no ${kind.toUpperCase()} to review` };
  const label = review === null ? 'Clear review' : review === 'approved' ? 'Approve' : 'Reject';
  model.edit(`${label} ${kind.toUpperCase()}`, (e) => e.setReview(fileName, kind, review));
  return { applied: true };
}

/** A previewed find & replace as one undoable edit; a caption changed since the preview is skipped. */
export function applyReplaceChanges(model: CaptionEditModel, changes: readonly ReplaceChange[]): number {
  const valid = changes.filter((c) => model.get(c.fileName)?.[c.kind]?.text === c.before);
  model.edit(`Replace in ${valid.length} captions`, (e) => {
    for (const c of valid) e.writeHumanCaption(c.fileName, c.kind, c.after);
  });
  return valid.length;
}

/**
 * Previewed normalizer changes as one undoable edit. The core writes them as the user's edits (by: human,
 * the model's text kept in `original`); a caption changed since the preview is skipped.
 */
export function applyNormalizationChanges(model: CaptionEditModel, changes: readonly NormalizationChange[], allowProtected: boolean): number {
  return model.edit(`Normalize ${changes.length} captions`, (e) => applyNormalization(e, changes, { allowProtected }).applied.length);
}

/** Reviews the captions of many records (manifest positions) as one undoable edit. */
export function reviewRows(model: CaptionEditModel, rows: ArrayLike<number>, kinds: readonly CaptionKind[], review: ReviewState): BulkReviewResult {
  const what = kinds.length === 2 ? 'captions' : kinds[0]!.toUpperCase() + 's';
  const verb = review === null ? 'Clear the review of' : review === 'approved' ? 'Approve' : 'Reject';
  return model.reviewMany(`${verb} the ${what} of ${rows.length} images`, rows, kinds, review);
}

/**
 * Machine results the user asked for in the editor (e.g. upsampled DSCs) as one undoable, unsaved edit.
 * A caption a person wrote or reviewed, even since the results were asked for, is left alone.
 */
export function applyMachineCaptions(
  model: CaptionEditModel,
  label: string,
  results: readonly { fileName: string; kind: CaptionKind; caption: MachineCaption }[],
): { written: number; protected: number } {
  const counts = { written: 0, protected: 0 };
  model.edit(label, (e) => {
    for (const r of results) {
      if (!e.get(r.fileName)) continue;
      counts[e.writeMachineCaption(r.fileName, r.kind, r.caption) === 'written' ? 'written' : 'protected']++;
    }
  });
  return counts;
}
