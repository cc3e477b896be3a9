// One hash of everything that decides an export's content: the dataset and its manifest, and every
// setting. export.json records it, so that running the same export again into a folder that already holds
// it (after a kill, say) is recognised and exits cleanly instead of asking to force it.
import { createHash } from 'node:crypto';

export interface ExportIdentity {
  /** The dataset folder, resolved. */
  dataset: string;
  manifestSha256: string;
  /** Every setting, normalised as export.json records it (null where it does not apply). */
  settings: Record<string, unknown>;
  /** An editor's selection, or null for the whole dataset. */
  only: ReadonlySet<string> | null;
}

export function settingsFingerprint(identity: ExportIdentity): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ dataset: identity.dataset, manifest: identity.manifestSha256, settings: identity.settings }));
  // The selection by name, not by count: two selections of the same size are two exports.
  hash.update(`\0only:${identity.only === null ? 'all' : 'some'}`);
  if (identity.only) for (const name of [...identity.only].sort()) hash.update(`\0${name}`);
  return hash.digest('hex');
}
