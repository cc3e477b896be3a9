// Names of what an export keeps beside its output folder while it works: the folder it is built in, the
// earlier export set aside during a swap, and the commit journal. They live in the output folder's parent,
// start with a dot and carry the output folder's name, so the next export into the same folder finds them
// and nothing else is mistaken for them.
import { createHash, randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { OWNER_TAG_PATTERN, ownerTag } from '../util/leftovers.js';
import { escapeRegExp } from '../util/text-patterns.js';

/** Output folder names up to this many bytes are kept readable in the side names (a name may have 255). */
const READABLE_NAME_BYTES = 96;

export interface SideNames {
  /** The output folder's parent, where the side entries are. */
  parent: string;
  /** The output folder's base name. */
  target: string;
  /** The commit journal of a swap into the output folder. */
  journal: string;
  /** A fresh name for the folder an export is built in. */
  newStaging(): string;
  /** A fresh name for the earlier export set aside during a swap. */
  newSetAside(): string;
  /** Matches staging folders of this output folder (groups 1 and 2: owner host and pid). */
  stagingPattern: RegExp;
  /** Matches set-aside folders of this output folder. */
  setAsidePattern: RegExp;
}

export function sideNamesOf(out: string): SideNames {
  const parent = path.dirname(out);
  const target = path.basename(out);
  const stem = Buffer.byteLength(target) <= READABLE_NAME_BYTES ? target : createHash('sha256').update(target).digest('hex').slice(0, 16);
  const prefix = `.${stem}.recaption-export`;
  const tagged = (suffix: string) => `${prefix}-${ownerTag()}-${randomBytes(6).toString('hex')}.${suffix}`;
  const pattern = (suffix: string) => new RegExp(`^${escapeRegExp(prefix)}-${OWNER_TAG_PATTERN}-[0-9a-f]{12}\\.${suffix}$`);
  return {
    parent,
    target,
    journal: path.join(parent, `${prefix}-commit.json`),
    newStaging: () => path.join(parent, tagged('partial')),
    newSetAside: () => path.join(parent, tagged('old')),
    stagingPattern: pattern('partial'),
    setAsidePattern: pattern('old'),
  };
}
