// The caption editor's normalizers: turns the webview's NormalizeSpec into the core's normalizer specs and
// plans the changes over the images the filter shows. No vscode import; the document applies the plan.
import { previewNormalization, type NormalizationChange, type NormalizerSpec } from '../../core/analysis/normalizers.js';
import type { NormalizeSpec } from '../../shared/protocol.js';
import type { ManifestRecord } from '../../shared/record.js';

/** The spec came over postMessage: only known values turn into normalizers. */
export function normalizerSpecs(spec: Omit<NormalizeSpec, 'ranges' | 'query'>): NormalizerSpec[] {
  const specs: NormalizerSpec[] = [];
  if (spec.stripOpening === true) specs.push({ kind: 'strip-opening' });
  if (spec.cutClosing === true) specs.push({ kind: 'cut-closing' });
  if (spec.trailingPeriod === 'add' || spec.trailingPeriod === 'remove') specs.push({ kind: 'trailing-period', mode: spec.trailingPeriod });
  return specs;
}

/**
 * What the normalizers would change in `records`: the ones the filter shows, or the selection in it (the
 * caller resolves them through the query index, which runs a filter's regular expression in the sandbox).
 */
export function planNormalization(records: Iterable<ManifestRecord>, spec: Omit<NormalizeSpec, 'ranges' | 'query'>): NormalizationChange[] {
  const specs = normalizerSpecs(spec);
  if (specs.length === 0) return [];
  const kinds = (Array.isArray(spec.fields) ? spec.fields : []).filter((k) => k === 'ssc' || k === 'dsc');
  return previewNormalization(records, specs, { kinds, includeProtected: spec.includeProtected === true });
}
