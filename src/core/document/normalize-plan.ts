// The caption editor's normalizers: turns the editor's NormalizeSpec into the core's normalizer specs and
// plans the changes over the images the filter shows. The session applies the plan.
import { previewNormalization, type NormalizationChange, type NormalizerSpec } from '../analysis/normalizers.js';
import type { NormalizeSpec } from '../../shared/record-edits.js';
import type { ManifestRecord } from '../../shared/record.js';

/** The normalizers a spec turns on (the protocol checked its values at the boundary). */
function normalizerSpecs(spec: Omit<NormalizeSpec, 'ranges' | 'query'>): NormalizerSpec[] {
  const specs: NormalizerSpec[] = [];
  if (spec.stripOpening) specs.push({ kind: 'strip-opening' });
  if (spec.cutClosing) specs.push({ kind: 'cut-closing' });
  if (spec.trailingPeriod !== null) specs.push({ kind: 'trailing-period', mode: spec.trailingPeriod });
  return specs;
}

/**
 * What the normalizers would change in `records`: the ones the filter shows, or the selection in it (the
 * caller resolves them through the query index, which runs a filter's regular expression in the sandbox).
 */
export function planNormalization(records: Iterable<ManifestRecord>, spec: Omit<NormalizeSpec, 'ranges' | 'query'>): NormalizationChange[] {
  const specs = normalizerSpecs(spec);
  if (specs.length === 0) return [];
  return previewNormalization(records, specs, { kinds: spec.fields, includeProtected: spec.includeProtected });
}
