// Normalizers: clean-ups of the captioner's habits that the user previews and then applies as one edit.
//
// Who owns a normalized caption? The user chose the normalizer and saw every change before applying it,
// so the result is the user's edit and is written through writeHumanCaption: `by` becomes "human", the
// model's text stays in `original`, the review state is kept. Keeping `by: "model"` would be wrong twice:
// the manifest would claim the model wrote text it never wrote, and a later "redo machine captions" run
// would silently bring the habit back. Captions a person already owns (human-written or reviewed) are
// left out unless the user explicitly includes them, and the change list allows an exact undo.
import type { Caption, CaptionKind, ManifestRecord } from '../../shared/record.js';
import { isProtectedCaption } from '../../shared/record.js';
import type { ManifestAccess } from '../dataset/manifest-access.js';
import { cutClosingSentence, stripOpening } from '../text/stock-phrases.js';

// The stock phrases sit beneath the defect flags (core/dataset), which look for them too; handed on here so
// the normalizers' surface stays whole.
export { cutClosingSentence, DEFAULT_CLOSING_PATTERNS, DEFAULT_OPENING_PATTERNS, stripOpening } from '../text/stock-phrases.js';

export type NormalizerSpec =
  | { kind: 'strip-opening'; patterns?: readonly RegExp[] }
  | { kind: 'trailing-period'; mode: 'add' | 'remove' }
  | { kind: 'cut-closing'; patterns?: readonly RegExp[] };

export function unifyTrailingPeriod(text: string, mode: 'add' | 'remove'): string {
  const trimmed = text.trimEnd();
  if (trimmed === '') return text;
  if (mode === 'add') return /[.!?…]["')\]]*$/.test(trimmed) ? text : `${trimmed}.`;
  // An ellipsis is not a period; leave it.
  return /[^.]\.$/.test(trimmed) ? trimmed.slice(0, -1) : text;
}

/** Applies the normalizers in a fixed order: opening, closing sentence, then the period (which depends on both). */
export function normalizeCaption(text: string, specs: readonly NormalizerSpec[]): string {
  let out = text;
  const find = <K extends NormalizerSpec['kind']>(kind: K) => specs.find((s): s is Extract<NormalizerSpec, { kind: K }> => s.kind === kind);
  const opening = find('strip-opening');
  if (opening) out = stripOpening(out, opening.patterns);
  const closing = find('cut-closing');
  if (closing) out = cutClosingSentence(out, closing.patterns);
  const period = find('trailing-period');
  if (period) out = unifyTrailingPeriod(out, period.mode);
  return out;
}

export interface NormalizationChange {
  fileName: string;
  kind: CaptionKind;
  before: string;
  after: string;
  /** Human-written or reviewed: only applied when the user includes such captions. */
  protected: boolean;
}

export interface PreviewOptions {
  kinds?: readonly CaptionKind[];
  /** Also list captions a person owns. The user's explicit choice; off by default. */
  includeProtected?: boolean;
}

export function previewNormalization(
  records: Iterable<ManifestRecord>,
  specs: readonly NormalizerSpec[],
  options: PreviewOptions = {},
): NormalizationChange[] {
  const kinds = options.kinds ?? ['ssc', 'dsc'];
  const changes: NormalizationChange[] = [];
  for (const record of records) {
    for (const kind of kinds) {
      const caption = record[kind];
      if (!caption) continue;
      const isProtected = isProtectedCaption(caption);
      if (isProtected && !options.includeProtected) continue;
      const after = normalizeCaption(caption.text, specs);
      if (after !== caption.text) changes.push({ fileName: record.file_name, kind, before: caption.text, after, protected: isProtected });
    }
  }
  return changes;
}

export interface AppliedChange {
  change: NormalizationChange;
  /** The caption exactly as it was, for undo. */
  previous: Caption;
}

export interface ApplyResult {
  applied: AppliedChange[];
  /** Changes not made: the caption changed since the preview, or a person owns it and that was not allowed. */
  skipped: { change: NormalizationChange; reason: 'changed-since-preview' | 'protected' }[];
}

export function applyNormalization(
  store: Pick<ManifestAccess, 'get' | 'writeHumanCaption'>,
  changes: readonly NormalizationChange[],
  options: { allowProtected?: boolean } = {},
): ApplyResult {
  const result: ApplyResult = { applied: [], skipped: [] };
  for (const change of changes) {
    const caption = store.get(change.fileName)?.[change.kind] ?? null;
    if (!caption || caption.text !== change.before) {
      result.skipped.push({ change, reason: 'changed-since-preview' });
      continue;
    }
    if (isProtectedCaption(caption) && !options.allowProtected) {
      result.skipped.push({ change, reason: 'protected' });
      continue;
    }
    const previous: Caption = { ...caption };
    store.writeHumanCaption(change.fileName, change.kind, change.after);
    result.applied.push({ change, previous });
  }
  return result;
}

/** Puts back exactly the captions an apply replaced (text, author, review, original), if still unchanged since. */
export function undoNormalization(store: Pick<ManifestAccess, 'get' | 'put'>, applied: readonly AppliedChange[]): number {
  let undone = 0;
  for (const { change, previous } of [...applied].reverse()) {
    const record = store.get(change.fileName);
    if (!record || record[change.kind]?.text !== change.after) continue;
    store.put({ ...record, [change.kind]: { ...previous } });
    undone++;
  }
  return undone;
}
