// What is wrong with a Parquet file's bytes, in words about the file ("page 3 says 2,147,483,647 values;
// the column chunk has 10 left"). The decoders throw it without knowing where they are; the row group
// reader adds the file, row group and column, and turns it into an ImportError.

export class ParquetFormatError extends Error {
  override name = 'ParquetFormatError';
  constructor(
    message: string,
    /** 'too-large': the file asks for more than an import's bounds allow; 'corrupt': it contradicts itself. */
    readonly kind: 'corrupt' | 'too-large' | 'unsupported' = 'corrupt',
  ) {
    super(message);
  }
}

/** A header or stream that ends before it should: the caller may read more bytes and try again. */
export class EndsEarlyError extends ParquetFormatError {
  override name = 'EndsEarlyError';
}

/** A count in words: 2147483647 → "2,147,483,647". */
export function count(n: number | bigint): string {
  return n.toLocaleString('en-US');
}

/**
 * The message of an error a decoder did not foresee, in words about the file: JavaScript's own messages
 * ("Offset is outside the bounds of the DataView", "Invalid typed array length: 2147483647") say what
 * the reader tripped on, never what is wrong with the file.
 */
export function describeDecodeError(err: unknown): string {
  if (err instanceof ParquetFormatError) return err.message;
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof RangeError) {
    if (/call stack/i.test(message)) return 'its structure is nested too deeply to read';
    return 'a length or count in it points past the data it belongs to';
  }
  // A structure read as what the format says it holds, and it does not hold it.
  if (err instanceof TypeError) return 'a required field is missing or has the wrong type';
  return `its data cannot be decoded (${message.slice(0, 200)})`;
}
