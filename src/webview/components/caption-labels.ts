// How the editor words a caption's provenance and score, shared by the detail pane, the list and the grid.
import { isMachineAuthor, type Caption } from '../../shared/record.js';

export function describeCaption(c: Caption | null): string {
  if (!c) return 'no caption yet';
  const who = isMachineAuthor(c.by) ? `${c.by}${c.model ? ` (${c.model})` : ''}` : c.by;
  return `by ${who}${describeScore(c.score)}`;
}

/** A text's alignment score (recaption score), as the label shows it. */
export function describeScore(score: number | undefined): string {
  return typeof score === 'number' && Number.isFinite(score) ? ` · score ${score.toFixed(3)}` : '';
}
