// The messages between an import and its image writer thread (image-write-thread.ts). Each job is a batch
// of images for one folder, their bytes transferred with it; jobs are answered in order, by number.

export interface WriteJob {
  seq: number;
  /** The folder the files go to (a source file's partial folder). */
  dir: string;
  files: { name: string; bytes: Uint8Array }[];
}

/** What became of one file. 'kept': an earlier run had written these very bytes under the name. */
export interface WrittenImage {
  outcome: 'written' | 'kept';
  /** The file's mtime, as a scan's stat would read it. */
  mtimeMs: number;
}

export type WriteReply =
  | { seq: number; ok: true; written: WrittenImage[] }
  /** The first file that could not be written (the ones before it were), with the error's code and message. */
  | { seq: number; ok: false; file: string; code?: string; message: string };
