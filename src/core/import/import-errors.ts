// The one error type an import throws: a one-line message a person can act on, and a code a caller
// (the CLI, the extension, a test) can branch on without parsing the message.

export type ImportErrorCode =
  /** The source is missing, empty, or mixes Parquet and tar files. */
  | 'bad-source'
  /** A file that does not start with Parquet's magic bytes. */
  | 'not-parquet'
  /** A file cut short (no footer, a tar that ends inside a member). */
  | 'truncated'
  /** A file whose structure cannot be read (bad footer, bad tar header, unreadable row group). */
  | 'corrupt'
  /** No column can hold the images, or a named column is missing or of a type that cannot serve. */
  | 'bad-column'
  /** The image column (or a shard) holds no image at all in the first row group (or shard). */
  | 'no-images'
  /** A tar member with `..` or an absolute name, or a link, device or FIFO. */
  | 'unsafe-member'
  /** A WebDataset key seen twice in one shard. */
  | 'duplicate-key'
  /** A row group or member larger than the import holds in memory, or a file whose reading needs more. */
  | 'too-large'
  /** A shard that is a compressed file (gzip, zstd, xz, bzip2) under a .tar name. */
  | 'compressed'
  /** A file whose reading made no progress for too long (a decompression bomb, an endless structure). */
  | 'too-slow'
  /** The output folder holds something else, or an import of another source. */
  | 'out-not-empty'
  /** The source changed since the import that this output folder resumes. */
  | 'source-changed'
  | 'cancelled';

export class ImportError extends Error {
  override name = 'ImportError';
  constructor(
    readonly code: ImportErrorCode,
    message: string,
  ) {
    // One line, always: file contents end up in messages (column names, member names).
    super(message.replace(/[\r\n]+/g, ' '));
  }
}

/** Throws the cancellation error when `signal` has fired; called between rows and members. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new ImportError('cancelled', 'import cancelled; run the same import again to continue where it stopped');
}
