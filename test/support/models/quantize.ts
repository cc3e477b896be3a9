// Quantized variants of a generated graph, written the way ONNX Runtime's own quantizers write them, so
// that `--dtype q8|q4` runs through the product's path on the tiny models:
//   q8 (quantize_dynamic): every MatMul by a float weight becomes DynamicQuantizeLinear on the input,
//      MatMulInteger against the weight as uint8 (one scale and zero point per tensor), Cast, and a Mul
//      by the product of the two scales. ONNX Runtime fuses that into its DynamicQuantizeMatMul kernel.
//   q4 (MatMul4BitsQuantizer): every MatMul by a float weight becomes com.microsoft MatMulNBits, the weight
//      as 4-bit values in blocks of 32 along K, one scale and one zero point per block.
// MatMuls between two activations (attention scores) stay float, as both quantizers leave them by default.
import { DataType, type Attribute, type GraphData, type NodeData, type TensorData } from '../../../src/core/captioner/onnx/onnx-proto.js';

export type QuantizedDtype = 'q8' | 'q4';

export const MICROSOFT_DOMAIN = 'com.microsoft';
const BLOCK = 32;

function floatsOf(t: TensorData): Float32Array {
  return new Float32Array(t.raw.buffer.slice(t.raw.byteOffset, t.raw.byteOffset + t.raw.byteLength));
}

const uint8Tensor = (name: string, dims: readonly number[], data: Uint8Array): TensorData => ({ name, dims, dataType: DataType.UINT8, raw: data });
const floatTensor = (name: string, dims: readonly number[], data: Float32Array): TensorData => ({ name, dims, dataType: DataType.FLOAT, raw: new Uint8Array(data.buffer) });

/** Asymmetric quantization of `values` to [0, levels - 1], the range widened to include 0 (as ORT does). */
function affine(values: ArrayLike<number>, from: number, to: number, levels: number): { scale: number; zero: number } {
  let min = 0;
  let max = 0;
  for (let i = from; i < to; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const scale = max > min ? (max - min) / (levels - 1) : 1;
  return { scale, zero: Math.min(levels - 1, Math.max(0, Math.round(-min / scale))) };
}

const clampRound = (v: number, scale: number, zero: number, levels: number) => Math.min(levels - 1, Math.max(0, Math.round(v / scale) + zero));

interface Rewrite {
  nodes: NodeData[];
  initializers: TensorData[];
}

/** The q8 nodes for y = x @ W ([K, N] float weight). */
function rewriteQ8(node: NodeData, weight: TensorData, tag: string): Rewrite {
  const w = floatsOf(weight);
  const { scale, zero } = affine(w, 0, w.length, 256);
  const q = Uint8Array.from(w, (v) => clampRound(v, scale, zero, 256));
  const [x] = node.inputs;
  const y = node.outputs[0]!;
  const n = (suffix: string) => `${tag}_${suffix}`;
  const initializers = [
    uint8Tensor(n('w_quantized'), weight.dims, q),
    floatTensor(n('w_scale'), [], Float32Array.of(scale)),
    uint8Tensor(n('w_zero_point'), [], Uint8Array.of(zero)),
  ];
  const nodes: NodeData[] = [
    { opType: 'DynamicQuantizeLinear', inputs: [x!], outputs: [n('x_quantized'), n('x_scale'), n('x_zero_point')], name: n('quantize'), attributes: {} },
    { opType: 'MatMulInteger', inputs: [n('x_quantized'), n('w_quantized'), n('x_zero_point'), n('w_zero_point')], outputs: [n('int32')], name: n('matmul_integer'), attributes: {} },
    { opType: 'Cast', inputs: [n('int32')], outputs: [n('float')], name: n('cast'), attributes: { to: { kind: 'int', value: DataType.FLOAT } } },
    { opType: 'Mul', inputs: [n('x_scale'), n('w_scale')], outputs: [n('scale')], name: n('scale_mul'), attributes: {} },
    { opType: 'Mul', inputs: [n('float'), n('scale')], outputs: [y], name: n('output_mul'), attributes: {} },
  ];
  return { nodes, initializers };
}

/** The q4 node for y = x @ W: W as [N, blocks, 16] bytes (two 4-bit values a byte, the low one first). */
function rewriteQ4(node: NodeData, weight: TensorData, tag: string): Rewrite {
  const [k, nOut] = weight.dims as [number, number];
  const w = floatsOf(weight);
  const blocks = Math.ceil(k / BLOCK);
  const packed = new Uint8Array(nOut * blocks * (BLOCK / 2));
  const scales = new Float32Array(nOut * blocks);
  const zeroBytes = Math.ceil(blocks / 2);
  const zeros = new Uint8Array(nOut * zeroBytes);
  const column = new Float32Array(blocks * BLOCK); // one column of W along K, zero-padded to whole blocks
  for (let col = 0; col < nOut; col++) {
    column.fill(0);
    for (let row = 0; row < k; row++) column[row] = w[row * nOut + col]!;
    for (let b = 0; b < blocks; b++) {
      const { scale, zero } = affine(column, b * BLOCK, (b + 1) * BLOCK, 16);
      scales[col * blocks + b] = scale;
      zeros[col * zeroBytes + (b >> 1)]! |= zero << ((b & 1) * 4);
      for (let i = 0; i < BLOCK; i += 2) {
        const lo = clampRound(column[b * BLOCK + i]!, scale, zero, 16);
        const hi = clampRound(column[b * BLOCK + i + 1]!, scale, zero, 16);
        packed[(col * blocks + b) * (BLOCK / 2) + i / 2] = lo | (hi << 4);
      }
    }
  }
  const n = (suffix: string) => `${tag}_${suffix}`;
  const attributes: Record<string, Attribute> = {
    K: { kind: 'int', value: k },
    N: { kind: 'int', value: nOut },
    bits: { kind: 'int', value: 4 },
    block_size: { kind: 'int', value: BLOCK },
  };
  return {
    initializers: [uint8Tensor(n('w_q4'), [nOut, blocks, BLOCK / 2], packed), floatTensor(n('w_scales'), [nOut * blocks], scales), uint8Tensor(n('w_zero_points'), [nOut * zeroBytes], zeros)],
    nodes: [{ opType: 'MatMulNBits', domain: MICROSOFT_DOMAIN, inputs: [node.inputs[0]!, n('w_q4'), n('w_scales'), n('w_zero_points')], outputs: [node.outputs[0]!], name: n('matmul_nbits'), attributes }],
  };
}

/**
 * The graph with every MatMul by a 2-D float initializer quantized (inside If branches too; the new
 * weights go to the top graph, which the branches see). Returns the graph and the operator sets it needs.
 */
export function quantizeGraph(graph: GraphData, dtype: QuantizedDtype): { graph: GraphData; domains: { domain: string; version: number }[] } {
  const added: TensorData[] = [];
  const replaced = new Set<string>();
  let count = 0;
  const isWeight = (t: TensorData) => t.dataType === DataType.FLOAT && t.dims.length === 2;
  const rewriteGraph = (g: GraphData, outer: ReadonlyMap<string, TensorData>): GraphData => {
    const scope = new Map(outer);
    for (const t of g.initializers) if (isWeight(t)) scope.set(t.name, t);
    const nodes = g.nodes.flatMap((node) => {
      const weight = node.opType === 'MatMul' ? scope.get(node.inputs[1]!) : undefined;
      if (weight) {
        const rewrite = (dtype === 'q8' ? rewriteQ8 : rewriteQ4)(node, weight, `${dtype}_${count++}`);
        added.push(...rewrite.initializers);
        replaced.add(weight.name);
        return rewrite.nodes;
      }
      const attributes: Record<string, Attribute> = {};
      for (const [key, a] of Object.entries(node.attributes)) attributes[key] = a.kind === 'graph' ? { kind: 'graph', value: rewriteGraph(a.value, scope) } : a;
      return [{ ...node, attributes }];
    });
    return { ...g, nodes };
  };
  const rewritten = rewriteGraph(graph, new Map());
  // A weight still read by something other than a MatMul (a tied embedding, say) stays.
  const stillRead = new Set<string>();
  const collect = (g: GraphData) => {
    for (const node of g.nodes) {
      node.inputs.forEach((i) => stillRead.add(i));
      for (const a of Object.values(node.attributes)) if (a.kind === 'graph') collect(a.value);
    }
  };
  collect(rewritten);
  const prune = (g: GraphData, top: boolean): GraphData => ({
    ...g,
    initializers: [...g.initializers.filter((t) => !replaced.has(t.name) || stillRead.has(t.name)), ...(top ? added : [])],
    nodes: g.nodes.map((node) => {
      if (!Object.values(node.attributes).some((a) => a.kind === 'graph')) return node;
      const attributes: Record<string, Attribute> = {};
      for (const [key, a] of Object.entries(node.attributes)) attributes[key] = a.kind === 'graph' ? { kind: 'graph', value: prune(a.value, false) } : a;
      return { ...node, attributes };
    }),
  });
  return { graph: prune(rewritten, true), domains: dtype === 'q4' ? [{ domain: MICROSOFT_DOMAIN, version: 1 }] : [] };
}
