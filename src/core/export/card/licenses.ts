// The license identifiers the Hugging Face Hub accepts in a card's `license` field, as its documentation
// lists them (https://huggingface.co/docs/hub/repositories-licenses). A card with another id shows no
// license on the Hub, so an unknown id is refused before anything is written.
export const HUB_LICENSES: ReadonlySet<string> = new Set([
  'apache-2.0', 'mit', 'openrail', 'bigscience-openrail-m', 'creativeml-openrail-m', 'bigscience-bloom-rail-1.0',
  'bigcode-openrail-m', 'afl-3.0', 'artistic-2.0', 'bsl-1.0', 'bsd', 'bsd-2-clause', 'bsd-3-clause',
  'bsd-3-clause-clear', 'c-uda', 'cc', 'cc0-1.0', 'cc-by-2.0', 'cc-by-2.5', 'cc-by-3.0', 'cc-by-4.0',
  'cc-by-sa-3.0', 'cc-by-sa-4.0', 'cc-by-nc-2.0', 'cc-by-nc-3.0', 'cc-by-nc-4.0', 'cc-by-nd-4.0',
  'cc-by-nc-nd-3.0', 'cc-by-nc-nd-4.0', 'cc-by-nc-sa-2.0', 'cc-by-nc-sa-3.0', 'cc-by-nc-sa-4.0',
  'cdla-sharing-1.0', 'cdla-permissive-1.0', 'cdla-permissive-2.0', 'wtfpl', 'ecl-2.0', 'epl-1.0', 'epl-2.0',
  'etalab-2.0', 'eupl-1.1', 'agpl-3.0', 'gfdl', 'gpl', 'gpl-2.0', 'gpl-3.0', 'lgpl', 'lgpl-2.1', 'lgpl-3.0',
  'isc', 'lppl-1.3c', 'ms-pl', 'mpl-2.0', 'odc-by', 'odbl', 'openrail++', 'osl-3.0', 'postgresql', 'ofl-1.1',
  'ncsa', 'unlicense', 'zlib', 'pddl', 'lgpl-lr', 'deepfloyd-if-license', 'llama2', 'gemma', 'unknown', 'other',
]);

export const HUB_LICENSES_URL = 'https://huggingface.co/docs/hub/repositories-licenses';

/** Why `id` cannot be a card's license, in one line, or null when the Hub accepts it. */
export function licenseProblem(id: string): string | null {
  if (HUB_LICENSES.has(id)) return null;
  const shown = JSON.stringify(id);
  if (id.trim() === '') return 'the license id is empty';
  // Ids on the Hub are lower case; "MIT" or " cc-by-4.0 " is a slip, not another license.
  const near = id.trim().toLowerCase();
  if (HUB_LICENSES.has(near)) return `${shown} is not a license id the Hub accepts; did you mean "${near}"?`;
  return `${shown} is not a license id the Hub accepts (see ${HUB_LICENSES_URL}); use "other" for a license that is not listed there`;
}
