// IEEE half-precision numbers as ONNX Runtime takes and gives them: their bits in a Uint16Array (Node 20 has
// no Float16Array; where a runtime has one, ONNX Runtime may hand float16 data back in it, so reading accepts
// either). fp16 models declare float16 inputs and outputs, and ONNX Runtime does not convert a float32 feed.

/** float16 data as ONNX Runtime holds it: the bits, or a Float16Array where the runtime has one. */
export type HalfData = Uint16Array | (ArrayLike<number> & ArrayBufferView);

const F16_MAX_BITS = 0x47800000; // 65536 as float32: at and above it (after rounding) is infinity
const F16_MIN_NORMAL_BITS = 0x38800000; // 2^-14 as float32: below it the half is subnormal
const TWO_POW_24 = 16_777_216;

/** Round-to-nearest-even, as ONNX Runtime's Cast and numpy round. Exported for the tests. */
export function halfBitsOf(bits: number, value: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const a = bits & 0x7fffffff;
  if (a >= F16_MAX_BITS) return sign | (a > 0x7f800000 ? 0x7e00 : 0x7c00);
  if (a >= F16_MIN_NORMAL_BITS) {
    // Re-bias the exponent and round the 13 dropped mantissa bits; a carry rolls into the exponent.
    return sign | ((a - 0x38000000 + 0xfff + ((a >>> 13) & 1)) >>> 13);
  }
  // Subnormal (or zero): the half's mantissa is |value| in units of 2^-24, exact in a double.
  const m = Math.abs(value) * TWO_POW_24;
  let r = Math.round(m);
  if (r - m === 0.5 && r & 1) r--;
  return sign | r;
}

/** float32 values as float16 bits, into `out` when given (same length), else a new array. */
export function toHalf(values: Float32Array, out: Uint16Array = new Uint16Array(values.length)): Uint16Array {
  if (out.length !== values.length) throw new Error(`toHalf: ${values.length} values into ${out.length}`);
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  for (let i = 0; i < values.length; i++) out[i] = halfBitsOf(bits[i]!, values[i]!);
  return out;
}

let table: Float32Array | null = null;

/** Every half's float value, indexed by its bits (256 KiB, built on first use). */
function halfTable(): Float32Array {
  if (table) return table;
  table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const fraction = h & 0x3ff;
    if (exponent === 0) table[h] = sign * 2 ** -24 * fraction;
    else if (exponent === 31) table[h] = fraction ? NaN : sign * Infinity;
    else table[h] = sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
  }
  return table;
}

/** The bits of float16 data, without a copy (a Float16Array is read as its bytes). */
export function halfBits(data: HalfData): Uint16Array {
  return data instanceof Uint16Array ? data : new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2);
}

/** float16 data as float32 values, into `out` when given (same length), else a new array. */
export function fromHalf(data: HalfData, out?: Float32Array): Float32Array {
  const bits = halfBits(data);
  const result = out ?? new Float32Array(bits.length);
  if (result.length !== bits.length) throw new Error(`fromHalf: ${bits.length} values into ${result.length}`);
  const lut = halfTable();
  for (let i = 0; i < bits.length; i++) result[i] = lut[bits[i]!]!;
  return result;
}

/** One half's value from its bits. */
export function halfToFloat(bits: number): number {
  return halfTable()[bits & 0xffff]!;
}
