// A small builder over onnx-proto.ts: named values, initializers, and the few composite layers the tiny
// models use (linear, layer norm, multi-head attention with a key/value cache). The device probes build
// their one-node models with it; the test-model generators (test/support/models) build whole captioners.
// Names are generated from a counter, so the same build calls give the same bytes.
import { DataType, type Attribute, type Dim, type GraphData, type NodeData, type TensorData, type ValueInfo } from './onnx-proto.js';

export type AttrValue = number | readonly number[] | GraphData | { float: number };

function toAttribute(value: AttrValue): Attribute {
  if (typeof value === 'number') return { kind: 'int', value };
  if (Array.isArray(value)) return { kind: 'ints', value: value as readonly number[] };
  if ('float' in (value as object)) return { kind: 'float', value: (value as { float: number }).float };
  return { kind: 'graph', value: value as GraphData };
}

export function floatTensor(name: string, dims: readonly number[], values: ArrayLike<number>): TensorData {
  const data = Float32Array.from(values);
  if (data.length !== dims.reduce((a, b) => a * b, 1)) throw new Error(`${name}: ${data.length} values for dims [${dims.join(',')}]`);
  return { name, dims, dataType: DataType.FLOAT, raw: new Uint8Array(data.buffer) };
}

export function int64Tensor(name: string, dims: readonly number[], values: readonly number[]): TensorData {
  const data = BigInt64Array.from(values.map((v) => BigInt(v)));
  return { name, dims, dataType: DataType.INT64, raw: new Uint8Array(data.buffer) };
}

export class GraphBuilder {
  private readonly nodes: NodeData[] = [];
  private readonly initializers: TensorData[] = [];
  private readonly inputs: ValueInfo[] = [];
  private readonly outputs: ValueInfo[] = [];
  private counter = 0;
  private readonly constants = new Map<string, string>();

  /** `prefix` keeps the names of an If branch apart from the outer graph's (ONNX names are global). */
  constructor(
    readonly name: string,
    private readonly prefix = '',
  ) {}

  private fresh(hint: string): string {
    return `${this.prefix}${hint}_${this.counter++}`;
  }

  input(name: string, dataType: DataType, shape: readonly Dim[]): string {
    this.inputs.push({ name, dataType, shape });
    return name;
  }

  /** Marks `value` as a graph output called `name` (adds an Identity when the names differ). */
  output(value: string, name: string, dataType: DataType, shape?: readonly Dim[]): void {
    if (value !== name) this.nodes.push({ opType: 'Identity', inputs: [value], outputs: [name], name: this.fresh('out'), attributes: {} });
    this.outputs.push(shape ? { name, dataType, shape } : { name, dataType });
  }

  weight(hint: string, dims: readonly number[], values: ArrayLike<number>): string {
    const name = this.fresh(hint);
    this.initializers.push(floatTensor(name, dims, values));
    return name;
  }

  /** An int64 constant, shared between uses. */
  ints(values: readonly number[], scalar = false): string {
    const key = `${scalar ? 's' : 'v'}${values.join(',')}`;
    let name = this.constants.get(key);
    if (!name) {
      name = this.fresh('const');
      this.initializers.push(int64Tensor(name, scalar ? [] : [values.length], values));
      this.constants.set(key, name);
    }
    return name;
  }

  /** A float constant, shared between uses. */
  scalar(value: number): string {
    const key = `f${value}`;
    let name = this.constants.get(key);
    if (!name) {
      name = this.weight('scalar', [], [value]);
      this.constants.set(key, name);
    }
    return name;
  }

  op(opType: string, inputs: readonly string[], attributes: Record<string, AttrValue> = {}): string {
    return this.opN(opType, inputs, 1, attributes)[0]!;
  }

  opN(opType: string, inputs: readonly string[], outputs: number, attributes: Record<string, AttrValue> = {}): string[] {
    const names = Array.from({ length: outputs }, () => this.fresh(opType.toLowerCase()));
    const attrs: Record<string, Attribute> = {};
    for (const [k, v] of Object.entries(attributes)) attrs[k] = toAttribute(v);
    this.nodes.push({ opType, inputs, outputs: names, name: this.fresh(`n_${opType}`), attributes: attrs });
    return names;
  }

  /** x[..., in] @ W[in, out] (+ b). */
  linear(x: string, w: { weight: string; bias?: string }): string {
    const y = this.op('MatMul', [x, w.weight]);
    return w.bias ? this.op('Add', [y, w.bias]) : y;
  }

  layerNorm(x: string, dim: number): string {
    return this.op('LayerNormalization', [x, this.weight('ln_scale', [dim], new Array(dim).fill(1)), this.weight('ln_bias', [dim], new Array(dim).fill(0))], {
      axis: -1,
      epsilon: { float: 1e-5 },
    });
  }

  /** Dimension `axis` of x's shape, as a 1-element int64 tensor. */
  dim(x: string, axis: number): string {
    return this.op('Gather', [this.op('Shape', [x]), this.ints([axis])], { axis: 0 });
  }

  /** [B, S, H*hd] -> [B, H, S, hd] */
  splitHeads(x: string, heads: number, headDim: number): string {
    return this.op('Transpose', [this.op('Reshape', [x, this.ints([0, 0, heads, headDim])])], { perm: [0, 2, 1, 3] });
  }

  /** [B, H, S, hd] -> [B, S, H*hd] */
  mergeHeads(x: string, heads: number, headDim: number): string {
    return this.op('Reshape', [this.op('Transpose', [x], { perm: [0, 2, 1, 3] }), this.ints([0, 0, heads * headDim])]);
  }

  /** An int64 [B, T] mask of 1/0 as an additive [B, 1, 1, T] float mask (0 or -1e4). */
  additiveMask(mask: string): string {
    const m = this.op('Cast', [this.op('Unsqueeze', [mask, this.ints([1, 2])])], { to: DataType.FLOAT });
    return this.op('Mul', [this.op('Sub', [this.scalar(1), m]), this.scalar(-1e4)]);
  }

  /** softmax(q k^T / sqrt(hd) + mask) v over [B, H, *, hd] tensors. */
  attend(q: string, k: string, v: string, headDim: number, mask?: string): string {
    let scores = this.op('Mul', [this.op('MatMul', [q, this.op('Transpose', [k], { perm: [0, 1, 3, 2] })]), this.scalar(1 / Math.sqrt(headDim))]);
    if (mask) scores = this.op('Add', [scores, mask]);
    return this.op('MatMul', [this.op('Softmax', [scores], { axis: -1 }), v]);
  }

  build(): GraphData {
    return { name: this.name, nodes: this.nodes, initializers: this.initializers, inputs: this.inputs, outputs: this.outputs };
  }
}
