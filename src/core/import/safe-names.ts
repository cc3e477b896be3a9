// File and folder names the import builds for what it writes. Never a name taken raw from the data: a
// member called "../../.bashrc" or a shard called "CON.tar" must not decide where bytes land. Names keep
// only [A-Za-z0-9_-], are bounded in length, never start with a dot (the scan skips hidden entries),
// and are unique ignoring case (macOS and Windows folders are case-insensitive).
import { createHash } from 'node:crypto';

const MAX_NAME = 100;

/** `raw` reduced to safe characters; long names keep a hash of the whole so they stay distinct. */
export function safeName(raw: string): string {
  let name = raw.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^[_-]+(?=.)/, '');
  if (name.length > MAX_NAME) name = `${name.slice(0, MAX_NAME - 9)}_${createHash('sha256').update(raw).digest('hex').slice(0, 8)}`;
  return name === '' || name === '_' ? 'x' : name;
}

/** Hands out safe names, each once: a second "a b" (or "A_B") becomes "a_b_2". */
export class UniqueNames {
  private readonly taken = new Set<string>();

  take(raw: string): string {
    const base = safeName(raw);
    let name = base;
    for (let n = 2; this.taken.has(name.toLowerCase()); n++) name = `${base}_${n}`;
    this.taken.add(name.toLowerCase());
    return name;
  }
}

/** A source file's name without its extension, made safe: the folder its images go to. */
export function stemOf(fileName: string): string {
  return fileName.replace(/\.(parquet|tar)$/i, '');
}
