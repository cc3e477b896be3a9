// What a command needs of a manifest: read records, write captions under the human-edit rule, save. The
// manifest store implements it over a file; the edit model implements it for runs while an editor is open
// (reads see the editor's unsaved edits, machine writes never touch them, saves write the saved base only).
import type { CaptionKind, ManifestRecord, ReviewState } from '../../shared/record.js';
import type { MachineCaption, TextScores } from './caption-writes.js';
import type { ManifestProblem } from './manifest-codec.js';

export interface WriteOptions {
  /** Replace a human-written or reviewed caption. Only for a user's explicit, confirmed request. */
  override?: boolean;
}

/** What a caption write did: written, or refused because a human owns the caption. */
export type WriteOutcome = 'written' | 'protected';

export interface ManifestReader {
  readonly folder: string;
  /** recaption.jsonl, or a shard manifest's name for sharded runs. */
  readonly fileName: string;
  readonly manifestPath: string;
  readonly problems: readonly ManifestProblem[];
  readonly size: number;
  get(fileName: string): ManifestRecord | undefined;
  /** File names in manifest order (sorted). */
  names(): readonly string[];
  records(): IterableIterator<ManifestRecord>;
}

export interface ManifestAccess extends ManifestReader {
  readonly isDirty: boolean;
  /** Adds a record or replaces one wholesale. The scanner's write: it owns the non-caption fields. */
  put(record: ManifestRecord): void;
  /** Refused ('protected') for a caption a person wrote or reviewed, unless `override`. */
  writeMachineCaption(fileName: string, kind: CaptionKind, caption: MachineCaption, options?: WriteOptions): WriteOutcome;
  writeHumanCaption(fileName: string, kind: CaptionKind, text: string): void;
  setReview(fileName: string, kind: CaptionKind, review: ReviewState): void;
  setError(fileName: string, error: string | null): void;
  /** Alignment scores by `model` for texts that are still the scored ones; returns how many were set. */
  setScores(fileName: string, model: string, scores: TextScores): number;
  /** Writes the manifest atomically; throws WriteError with an actionable message on failure. */
  save(): Promise<void>;
}
