// Thumbnails for the editor's list: made once with sharp and cached outside the workspace (the extension's
// global storage), keyed by the image's content hash when the manifest has one, else by path+size+mtime.
// No vscode import: unit-testable.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isInside } from '../../core/util/text-patterns.js';
import type { ManifestRecord } from '../../shared/record.js';
import type { RecordViewer } from '../../core/document/record-views.js';
import { assertRegularFile } from '../../core/util/regular-file.js';

export const THUMB_SIZE = 160;

/** Thumbnail paths remembered as made (about 100 bytes each). */
const KNOWN_THUMBNAILS = 20_000;

export class ThumbnailCache {
  private readonly inFlight = new Map<string, Promise<string | null>>();
  private running = 0;
  private readonly queue: (() => void)[] = [];
  /**
   * Thumbnails known to be on disk (made or seen here), so that paging the list asks the disk nothing for
   * them: a page must not wait on file-system threads busy with a run's fsyncs. Bounded; the oldest go first.
   */
  private readonly known = new Set<string>();
  /**
   * Thumbnails looked for here and not found, for the same reason: a list of images not yet shown pages by
   * them again and again. A thumbnail made elsewhere since (another window) is found when the list asks
   * for it to be made (get() looks at the disk first), as if it were missing.
   */
  private readonly unmade = new Set<string>();

  constructor(
    readonly cacheDir: string,
    private readonly concurrency = 2,
  ) {}

  private keyFor(folder: string, record: ManifestRecord): string {
    const basis = record.sha256 ?? `${folder}\0${record.file_name}\0${record.bytes ?? ''}\0${record.mtime_ms ?? ''}`;
    return createHash('sha256').update(`${basis}\0${THUMB_SIZE}`).digest('hex').slice(0, 32);
  }

  pathFor(folder: string, record: ManifestRecord): string {
    const k = this.keyFor(folder, record);
    return path.join(this.cacheDir, k.slice(0, 2), `${k}.webp`);
  }

  /** How an editor's session shows `folder`'s records: files as the URIs `uriOf` gives, thumbnails from here. */
  viewer(folder: string, uriOf: (file: string) => string): RecordViewer {
    return { uriOf, cachedThumbnail: (record) => this.cached(folder, record), thumbnail: (record) => this.get(folder, record) };
  }

  /** The thumbnail's path if it is already made (no I/O once it is known or known not to be, else one access check). */
  async cached(folder: string, record: ManifestRecord): Promise<string | null> {
    const file = this.pathFor(folder, record);
    if (this.known.has(file)) return file;
    if (this.unmade.has(file)) return null;
    try {
      await fs.access(file);
      this.remember(file);
      return file;
    } catch {
      bounded(this.unmade, file);
      return null;
    }
  }

  private remember(file: string): void {
    this.unmade.delete(file);
    bounded(this.known, file);
  }

  /** Makes the thumbnail if needed; null when the image cannot be read. */
  get(folder: string, record: ManifestRecord): Promise<string | null> {
    const file = this.pathFor(folder, record);
    let job = this.inFlight.get(file);
    if (!job) {
      job = this.limit(() => this.make(folder, record.file_name, file)).finally(() => this.inFlight.delete(file));
      this.inFlight.set(file, job);
    }
    return job;
  }

  private async make(folder: string, fileName: string, target: string): Promise<string | null> {
    try {
      await fs.access(target);
      this.remember(target);
      return target;
    } catch {
      // not cached yet
    }
    try {
      const { default: sharp } = await import('sharp');
      // Never a thumbnail of an image that leads outside its dataset (a link made after the scan): checked
      // on the file itself each time, as an editor stays open while files change under it.
      const source = await fs.realpath(path.join(folder, ...fileName.split('/')));
      if (!isInside(source, await fs.realpath(folder))) return null;
      await assertRegularFile(source);
      const data = await sharp(source, { failOn: 'none', animated: false })
        .rotate()
        .resize(THUMB_SIZE, THUMB_SIZE, { fit: 'inside', withoutEnlargement: true })
        .webp({ quality: 70 })
        .toBuffer();
      await fs.mkdir(path.dirname(target), { recursive: true });
      const tmp = `${target}.${process.pid}.${Date.now()}.tmp`;
      await fs.writeFile(tmp, data);
      await fs.rename(tmp, target);
      this.remember(target);
      return target;
    } catch {
      return null;
    }
  }

  private async limit<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.running++;
    try {
      return await task();
    } finally {
      this.running--;
      this.queue.shift()?.();
    }
  }
}

/** Adds `file` to `set`, the oldest entry going first once it holds KNOWN_THUMBNAILS. */
function bounded(set: Set<string>, file: string): void {
  if (set.size >= KNOWN_THUMBNAILS) set.delete(set.values().next().value!);
  set.add(file);
}
