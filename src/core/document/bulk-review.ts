// A review of many captions at once (approve, reject or clear a multi-selection) as one undoable edit, in
// memory bounded by a few bytes a caption: the reviews go into the compact review layer, not the overlay.
import { CAPTION_KINDS, type CaptionKind, type ReviewState } from '../../shared/record.js';
import type { RecordState } from '../../shared/record-query.js';
import type { EditLog } from './edit-log.js';
import type { LayeredRecords } from './layered-records.js';
import { keyOf } from './overlay.js';
import { reviewCode, reviewOfCode } from './review-layer.js';

/** What a bulk review did: captions changed, and captions left alone because a person decided otherwise. */
export interface BulkReviewResult {
  changed: number;
  kept: number;
}

/** A bulk review's changes to the review layer, one entry per caption: names are shared with the index. */
interface BulkReviewStep {
  names: string[];
  /** 0 for SSC, 1 for DSC. */
  kinds: Uint8Array;
  /** The layer's code before (NO_REVIEW_SLOT: none), and the review shown before, as codes. */
  beforeSlot: Uint8Array;
  beforeReview: Uint8Array;
  after: ReviewState;
}

export class BulkReview {
  constructor(
    private readonly records: LayeredRecords,
    private readonly log: EditLog,
  ) {}

  /**
   * Reviews many captions as one undoable edit: `rows` are positions in manifest order (`matchPositions`),
   * `kinds` the captions to review. Approving or rejecting leaves a caption someone already decided
   * otherwise alone (counted as kept); clearing clears any review.
   */
  reviewMany(label: string, rows: ArrayLike<number>, kindList: readonly CaptionKind[], review: ReviewState): BulkReviewResult {
    const records = this.records;
    const kinds = [...new Set(kindList)];
    const names = records.base.names();
    const layer = records.layer();
    const result: BulkReviewResult = { changed: 0, kept: 0 };
    const size = rows.length * kinds.length;
    const step: BulkReviewStep = { names: [], kinds: new Uint8Array(size), beforeSlot: new Uint8Array(size), beforeReview: new Uint8Array(size), after: review };
    const overlaid: { fileName: string; kind: CaptionKind }[] = [];
    const touched: number[] = [];
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const name = names[row];
      if (name === undefined) continue;
      const facts = records.factsAt(row);
      let changedRow = false;
      for (const kind of kinds) {
        const shown = facts[kind];
        if (!shown || shown.review === review) continue;
        if (review !== null && shown.review !== null) {
          result.kept++;
          continue;
        }
        result.changed++;
        changedRow = true;
        // A caption with an unsaved text edit keeps it whole: its review goes into that overlay entry.
        if (records.overlay.has(keyOf(name, kind))) {
          overlaid.push({ fileName: name, kind });
          continue;
        }
        const at = step.names.length;
        step.names.push(name);
        step.kinds[at] = kind === 'ssc' ? 0 : 1;
        step.beforeSlot[at] = reviewCode(layer.get(row, kind));
        step.beforeReview[at] = reviewCode(shown.review);
      }
      if (changedRow) touched.push(row);
    }
    if (result.changed === 0) return result;
    const before = touched.map((row) => records.stateAt(row));
    for (let at = 0; at < step.names.length; at++) records.setLayerSlot(layer, records.base.positionOf(step.names[at]!), CAPTION_KINDS[step.kinds[at]!]!, review);
    touched.forEach((row, i) => records.adjustCounts(before[i]!, records.stateAt(row)));
    const held = step.names.length;
    const trimmed: BulkReviewStep = { ...step, kinds: step.kinds.slice(0, held), beforeSlot: step.beforeSlot.slice(0, held), beforeReview: step.beforeReview.slice(0, held) };
    const epoch = records.saveEpoch;
    // The few captions with text edits go through the ordinary edit path, as part of the same undo step.
    const textSteps = overlaid.length > 0 ? this.log.steps((e) => overlaid.forEach((o) => e.setReview(o.fileName, o.kind, review))).step : null;
    records.announce(touched.map((row) => names[row]!));
    this.log.push({
      label,
      undo: () => {
        textSteps?.undo();
        this.undo(trimmed, epoch);
      },
      redo: () => {
        this.redo(trimmed);
        textSteps?.redo();
      },
    });
    return result;
  }

  private undo(step: BulkReviewStep, epoch: number): void {
    if (!this.records.loaded) return;
    // Nothing saved since: the layer as it was. After a save the base holds the reviews: show the old ones.
    const codes = epoch === this.records.saveEpoch ? step.beforeSlot : step.beforeReview;
    this.apply(step, (at) => reviewOfCode(codes[at]!));
  }

  private redo(step: BulkReviewStep): void {
    if (!this.records.loaded) return;
    this.apply(step, () => step.after);
  }

  private apply(step: BulkReviewStep, reviewAt: (at: number) => ReviewState | undefined): void {
    const records = this.records;
    const layer = records.layer();
    const changed = new Set<string>();
    let previous = '';
    let row = -1;
    let before: RecordState = 'uncaptioned';
    for (let at = 0; at < step.names.length; at++) {
      const name = step.names[at]!;
      if (name !== previous) {
        if (row >= 0) records.adjustCounts(before, records.stateAt(row));
        previous = name;
        row = records.base.positionOf(name);
        if (row >= 0) before = records.stateAt(row);
      }
      if (row < 0) continue;
      const kind = CAPTION_KINDS[step.kinds[at]!]!;
      // A caption edited since as text holds its review in the overlay: the layer leaves it alone.
      if (records.overlay.has(keyOf(name, kind))) continue;
      records.setLayerSlot(layer, row, kind, reviewAt(at));
      changed.add(name);
    }
    if (row >= 0) records.adjustCounts(before, records.stateAt(row));
    records.announce([...changed]);
  }
}
