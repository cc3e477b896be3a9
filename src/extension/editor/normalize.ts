// The caption editor's normalizers: turns the webview's NormalizeSpec into the core's normalizer specs and
// plans the changes over the images the filter shows. No vscode import; the document applies the plan.
import { previewNormalization, type NormalizationChange, type NormalizerSpec } from '../../core/analysis/normalizers.js';
import type { NormalizeSpec } from '../../shared/protocol.js';
import type { ManifestRecord } from '../../shared/record.js';
import { compileQuery } from '../../core/dataset/query.js';

/** The spec came over postMessage: only known values turn into normalizers. */
export function normalizerSpecs(spec: Omit<NormalizeSpec, 'ranges'>): NormalizerSpec[] {
  const specs: NormalizerSpec[] = [];
  if (spec.stripOpening === true) specs.push({ kind: 'strip-opening' });
  if (spec.cutClosing === true) specs.push({ kind: 'cut-closing' });
  if (spec.trailingPeriod === 'add' || spec.trailingPeriod === 'remove') specs.push({ kind: 'trailing-period', mode: spec.trailingPeriod });
  return specs;
}

/** What the normalizers would change; throws QueryError for a bad filter regex. */
export function planNormalization(records: Iterable<ManifestRecord>, spec: Omit<NormalizeSpec, 'ranges'>): NormalizationChange[] {
  const specs = normalizerSpecs(spec);
  if (specs.length === 0) return [];
  const matches = compileQuery(spec.query);
  const kinds = (Array.isArray(spec.fields) ? spec.fields : []).filter((k) => k === 'ssc' || k === 'dsc');
  function* filtered(): Generator<ManifestRecord> {
    for (const r of records) if (matches(r)) yield r;
  }
  return previewNormalization(filtered(), specs, { kinds, includeProtected: spec.includeProtected === true });
}
