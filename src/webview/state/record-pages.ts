// The webview's window onto the manifest: pages of the current query's result, fetched on demand and kept
// in a bounded cache. The webview never holds the whole dataset.
import type { PageResult, RecordQuery, RecordView } from '../../shared/protocol.js';
import { EMPTY_QUERY } from '../../shared/protocol.js';
import type { EditorChannel } from './rpc.js';

export const PAGE_SIZE = 100;
/** Pages kept in memory; the farthest from the last access are dropped first. */
const MAX_PAGES = 60;

export class RecordPages {
  total = 0;
  query: RecordQuery = EMPTY_QUERY;
  error: string | null = null;
  private pages = new Map<number, RecordView[]>();
  private loading = new Map<number, Promise<void>>();
  private positions = new Map<string, number>();
  /** Bumped on every query change, so replies to an older query are dropped. */
  private epoch = 0;
  private lastPage = 0;

  constructor(
    private readonly channel: Pick<EditorChannel, 'request'>,
    private readonly onChange: () => void,
  ) {}

  get(position: number): RecordView | undefined {
    const page = this.pages.get(Math.floor(position / PAGE_SIZE));
    return page?.[position % PAGE_SIZE];
  }

  isLoaded(position: number): boolean {
    return this.pages.has(Math.floor(position / PAGE_SIZE));
  }

  positionOf(fileName: string): number | undefined {
    return this.positions.get(fileName);
  }

  /** Starts loading the pages that cover [from, to). */
  ensure(from: number, to: number): void {
    const first = Math.max(0, Math.floor(from / PAGE_SIZE));
    const last = Math.min(Math.floor((Math.max(to, from + 1) - 1) / PAGE_SIZE), Math.floor(Math.max(0, this.total - 1) / PAGE_SIZE));
    for (let p = first; p <= last; p++) void this.load(p);
  }

  load(page: number): Promise<void> {
    this.lastPage = page;
    if (this.pages.has(page)) return Promise.resolve();
    const inFlight = this.loading.get(page);
    if (inFlight) return inFlight;
    const epoch = this.epoch;
    const job = this.channel
      .request('page', { query: this.query, offset: page * PAGE_SIZE, limit: PAGE_SIZE })
      .then((result) => {
        if (epoch === this.epoch) this.accept(page, result);
      })
      .finally(() => this.loading.delete(page));
    this.loading.set(page, job);
    return job;
  }

  private accept(page: number, result: PageResult): void {
    this.total = result.total;
    this.error = result.error;
    this.pages.set(page, result.records);
    result.records.forEach((r, i) => this.positions.set(r.fileName, page * PAGE_SIZE + i));
    this.evict();
    this.onChange();
  }

  private evict(): void {
    if (this.pages.size <= MAX_PAGES) return;
    const far = [...this.pages.keys()].sort((a, b) => Math.abs(b - this.lastPage) - Math.abs(a - this.lastPage));
    for (const p of far.slice(0, this.pages.size - MAX_PAGES)) {
      for (const r of this.pages.get(p)!) this.positions.delete(r.fileName);
      this.pages.delete(p);
    }
  }

  /** Replaces the query (or reloads the same one) and fetches its first page. */
  async reset(query: RecordQuery = this.query): Promise<void> {
    this.epoch++;
    this.query = query;
    this.pages.clear();
    this.loading.clear();
    this.positions.clear();
    await this.load(0);
  }

  /** Records changed on the host: replace the copies we hold. */
  replace(records: readonly RecordView[]): void {
    for (const r of records) {
      const pos = this.positions.get(r.fileName);
      if (pos === undefined) continue;
      const page = this.pages.get(Math.floor(pos / PAGE_SIZE));
      if (page) page[pos % PAGE_SIZE] = r;
    }
    this.onChange();
  }

  /** A local, optimistic change (the host gets the same edit and echoes it back). */
  patch(fileName: string, update: (r: RecordView) => RecordView): void {
    const pos = this.positions.get(fileName);
    if (pos === undefined) return;
    const page = this.pages.get(Math.floor(pos / PAGE_SIZE));
    const current = page?.[pos % PAGE_SIZE];
    if (page && current) page[pos % PAGE_SIZE] = update(current);
    this.onChange();
  }

  /**
   * Searches the loaded pages from `from` (exclusive) in `direction` for a record matching `match`.
   * Returns its position, null when the end of the list was reached, or 'unloaded' when it ran into a
   * page that is not loaded (the caller then asks the host).
   */
  findLoaded(from: number, direction: 1 | -1, match: (r: RecordView) => boolean): number | null | 'unloaded' {
    for (let p = from + direction; p >= 0 && p < this.total; p += direction) {
      const r = this.get(p);
      if (!r) return 'unloaded';
      if (match(r)) return p;
    }
    return null;
  }
}

/** The records in [first, last) that have no thumbnail and were not asked for yet; marks them asked. */
export function thumbnailsToAsk(pages: RecordPages, first: number, last: number, asked: Set<string>): string[] {
  const missing: string[] = [];
  for (let p = first; p < last; p++) {
    const r = pages.get(p);
    if (r && r.thumb === null && !r.missing && !asked.has(r.fileName)) {
      asked.add(r.fileName);
      missing.push(r.fileName);
    }
  }
  return missing;
}
