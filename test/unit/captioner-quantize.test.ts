// The generator's q8 and q4 weights: ONNX Runtime's quantized operators in place of every weight MatMul,
// computing what the fp32 graph computes within the error of 8 and 4 bits (a packing mistake would not).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { writeModel } from '../support/models/tiny-models.js';
import { quantizeGraph } from '../support/models/quantize.js';
import { GraphBuilder } from '../../src/core/captioner/onnx/graph-builder.js';
import { DataType, type GraphData } from '../../src/core/captioner/onnx/onnx-proto.js';
import { seededRandom } from '../../src/core/util/seeded-random.js';
import { removeDir, tempDir } from './captioner-fixture.js';

function opTypes(graph: GraphData): string[] {
  return graph.nodes.flatMap((n) => [n.opType, ...Object.values(n.attributes).flatMap((a) => (a.kind === 'graph' ? opTypes(a.value) : []))]);
}

function relativeError(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < a.length; i++) {
    diff += (a[i]! - b[i]!) ** 2;
    norm += a[i]! ** 2;
  }
  return Math.sqrt(diff / norm);
}

test('every MatMul by a weight is replaced, activation MatMuls are not, and weights read elsewhere stay', () => {
  const random = seededRandom(5);
  const g = new GraphBuilder('g');
  const x = g.input('x', DataType.FLOAT, ['b', 40]);
  const w = g.weight('w', [40, 24], Array.from({ length: 960 }, () => random() - 0.5));
  const y = g.linear(x, { weight: w });
  const scores = g.op('MatMul', [y, g.op('Transpose', [y])]);
  g.output(g.op('Add', [scores, g.op('ReduceSum', [w])]), 'out', DataType.FLOAT);
  const graph = g.build();
  const q8 = quantizeGraph(graph, 'q8');
  assert.deepEqual(opTypes(q8.graph).filter((t) => /MatMul|Quantize/.test(t)), ['DynamicQuantizeLinear', 'MatMulInteger', 'MatMul']);
  assert.ok(q8.graph.initializers.some((t) => t.name === w), 'the weight is still read by ReduceSum');
  const q4 = quantizeGraph(graph, 'q4');
  assert.deepEqual(opTypes(q4.graph).filter((t) => /MatMul/.test(t)), ['MatMulNBits', 'MatMul']);
  assert.deepEqual(q4.domains, [{ domain: 'com.microsoft', version: 1 }]);
});

test('q8 and q4 sessions of a random-weight model compute the fp32 outputs within quantization error', async () => {
  const dir = await tempDir();
  try {
    const folder = path.join(dir, 'model');
    // K of 48 is not a whole number of 32-value blocks: the padded tail is covered too.
    await writeModel(folder, 'florence2', { hiddenSize: 48, layers: 2, heads: 4, imageSize: 32, patchSize: 8, weights: 'random', seed: 11, vocabSize: 200, lengths: { ssc: 3, dsc: 5 } });
    const random = seededRandom(9);
    const pixels = new ort.Tensor('float32', Float32Array.from({ length: 2 * 3 * 32 * 32 }, () => random() * 2 - 1), [2, 3, 32, 32]);
    const run = async (file: string) => {
      const session = await ort.InferenceSession.create(path.join(folder, 'onnx', file));
      const out = await session.run({ pixel_values: pixels });
      await session.release();
      return out.image_features!.data as Float32Array;
    };
    const fp32 = await run('vision_encoder.onnx');
    const q8 = relativeError(fp32, await run('vision_encoder_quantized.onnx'));
    const q4 = relativeError(fp32, await run('vision_encoder_q4.onnx'));
    assert.ok(q8 > 0 && q8 < 0.05, `q8 relative error ${q8}`);
    assert.ok(q4 > q8 && q4 < 0.3, `q4 relative error ${q4}`);
  } finally {
    await removeDir(dir);
  }
});
