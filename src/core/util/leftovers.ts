// Temporary names that carry their owner (host and process id), so that a later run can tell a leftover
// of a killed process from the live work of another one, and remove only the former. A dataset on a shared
// file system is written from several machines (sharded runs), so the host is part of the name: a process
// id means nothing on another machine.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const HOST_TAG = createHash('sha256').update(os.hostname()).digest('hex').slice(0, 8);

/** A leftover whose owner cannot be checked from here (another host, or a name without a host) is only
 *  removed once it has not changed for this long: no save or export takes a day. */
export const UNVERIFIABLE_LEFTOVER_AGE_MS = 24 * 60 * 60 * 1000;

/** `<host>-<pid>`: the part of a temporary name that says who owns it. */
export function ownerTag(): string {
  return `${HOST_TAG}-${process.pid}`;
}

/** Splits an owner tag back into host and pid; null when it is not one. */
export function parseOwnerTag(tag: string): { host: string; pid: number } | null {
  const m = /^([0-9a-f]{8})-(\d{1,10})$/.exec(tag);
  return m ? { host: m[1]!, pid: Number(m[2]) } : null;
}

/** The owner-tag pattern, for names built with ownerTag(); older releases wrote `<pid>` alone. */
export const OWNER_TAG_PATTERN = '(?:([0-9a-f]{8})-)?(\\d{1,10})';

/** Paths this process is writing right now; never removed, whatever their name says. */
const inFlight = new Set<string>();

export function holdTemp(file: string): void {
  inFlight.add(path.resolve(file));
}

export function releaseTemp(file: string): void {
  inFlight.delete(path.resolve(file));
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists and belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether `file`, named with owner host `host` and `pid` (either undefined for older names), is abandoned. */
export async function isAbandoned(file: string, host: string | undefined, pid: number | undefined): Promise<boolean> {
  if (inFlight.has(path.resolve(file))) return false;
  if (host === HOST_TAG && pid !== undefined) return pid === process.pid ? true : !processIsAlive(pid);
  const stat = await fs.lstat(file).catch(() => null);
  return stat !== null && Date.now() - stat.mtimeMs > UNVERIFIABLE_LEFTOVER_AGE_MS;
}

/**
 * Removes the entries of `dir` whose names match `pattern` (its groups 1 and 2: owner host and pid, as
 * OWNER_TAG_PATTERN captures them; a pattern without them is judged by age alone) and whose owner is gone. Returns the names removed. Streams the folder:
 * a dataset root can hold hundreds of thousands of images.
 */
export async function removeAbandoned(dir: string, pattern: RegExp): Promise<string[]> {
  const removed: string[] = [];
  const folder = await fs.opendir(dir).catch(() => null);
  if (!folder) return removed;
  const candidates: { name: string; host: string | undefined; pid: number | undefined }[] = [];
  for await (const entry of folder) {
    const m = pattern.exec(entry.name);
    if (m) candidates.push({ name: entry.name, host: m[1], pid: m[2] === undefined ? undefined : Number(m[2]) });
  }
  for (const c of candidates) {
    const file = path.join(dir, c.name);
    if (!(await isAbandoned(file, c.host, c.pid))) continue;
    // fs.rm does not follow links: a link with a leftover's name is removed as a link.
    await fs.rm(file, { recursive: true, force: true }).catch(() => undefined);
    removed.push(c.name);
  }
  return removed;
}
