// snappyjs ships no types: the one function the Parquet export calls (formats/parquet/split-shards.ts).
declare module 'snappyjs' {
  /** Snappy's raw format (no framing) of `input`, in a new array of the same kind. */
  export function compress(input: Uint8Array): Uint8Array;
}
