// Growing a typed array: columns of a million rows grow by doubling, each copy made once.

type TypedArray = Int32Array | Uint32Array | Uint8Array | Float64Array;

/** A copy of `array` with room for at least `size` items (doubling). */
export function grown<T extends TypedArray>(array: T, size: number): T {
  const next = new (array.constructor as new (n: number) => T)(Math.max(size, array.length * 2));
  next.set(array);
  return next;
}
