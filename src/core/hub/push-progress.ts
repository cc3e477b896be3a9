// Progress of one push, file by file, from three sources: the bytes each LFS upload has read (hub-fetch),
// the client's "uploading, progress 1" event for an LFS file (sent, or already on the Hub: then nothing is
// sent and it counts as done), and the commit's success for the small files that travel inside it.
// Nothing here carries the token: only paths and counts.

export interface HubPushProgress {
  /** The file this update is about (repo path). */
  file: string;
  /** Bytes of the files uploaded so far, or found already on the Hub; reaches totalBytes when the commit is made. */
  sentBytes: number;
  totalBytes: number;
  filesDone: number;
  filesTotal: number;
  phase: 'hashing' | 'uploading' | 'committing' | 'done';
}

interface FileState {
  size: number;
  /** Bytes read per upload range (offset): one entry, or one per part of a multipart upload. */
  parts: Map<number, number>;
  done: boolean;
}

export class PushProgress {
  private readonly files = new Map<string, FileState>();
  private readonly totalBytes: number;
  private sentBytes = 0;
  private filesDone = 0;

  constructor(
    files: readonly { path: string; size: number }[],
    private readonly report: ((p: HubPushProgress) => void) | undefined,
  ) {
    let total = 0;
    for (const f of files) {
      this.files.set(f.path, { size: f.size, parts: new Map(), done: false });
      total += f.size;
    }
    this.totalBytes = total;
  }

  private emit(file: string, phase: HubPushProgress['phase']): void {
    this.report?.({ file, sentBytes: this.sentBytes, totalBytes: this.totalBytes, filesDone: this.filesDone, filesTotal: this.files.size, phase });
  }

  private sentOf(state: FileState): number {
    let sum = 0;
    for (const n of state.parts.values()) sum += n;
    return Math.min(state.size, sum);
  }

  hashing(file: string): void {
    if (this.files.has(file)) this.emit(file, 'hashing');
  }

  committing(): void {
    this.emit('', 'committing');
  }

  /** An upload of the range at `offset` of `file` has read `bytes` bytes of it. */
  uploadRead(file: string, offset: number, bytes: number): void {
    const state = this.files.get(file);
    if (!state || state.done) return;
    const before = this.sentOf(state);
    // A retried range starts again from 0: keep the most it reached, so progress never goes back.
    state.parts.set(offset, Math.max(state.parts.get(offset) ?? 0, bytes));
    const after = this.sentOf(state);
    if (after === before) return;
    this.sentBytes += after - before;
    this.emit(file, 'uploading');
  }

  fileDone(file: string, phase: HubPushProgress['phase'] = 'uploading'): void {
    const state = this.files.get(file);
    if (!state || state.done) return;
    this.sentBytes += state.size - this.sentOf(state);
    state.done = true;
    this.filesDone++;
    this.emit(file, phase);
  }

  /** The commit is made: every file is on the Hub. */
  allDone(): void {
    let marked = false;
    for (const [file, state] of this.files) {
      if (state.done) continue;
      this.fileDone(file, 'done');
      marked = true;
    }
    if (!marked) this.emit('', 'done');
  }

  get bytes(): number {
    return this.totalBytes;
  }
}
