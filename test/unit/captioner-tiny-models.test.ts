// The committed tiny models are exactly what the generator writes today.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TINY_FLORENCE2, TINY_VIT_GPT2, writeModel, type TinyFamily, type TinyModelOptions } from '../support/models/tiny-models.js';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'models');

async function listFiles(root: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(path.join(root, rel), { withFileTypes: true })) {
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(root, child)));
    else out.push(child);
  }
  return out.sort();
}

const cases: [string, TinyFamily, TinyModelOptions][] = [
  ['tiny-florence2', 'florence2', TINY_FLORENCE2],
  ['tiny-vit-gpt2', 'vit-gpt2', TINY_VIT_GPT2],
];

for (const [name, family, options] of cases) {
  test(`generator reproduces test/fixtures/models/${name} byte for byte`, async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'recaption-gen-'));
    try {
      const written = await writeModel(dir, family, options);
      const committed = await listFiles(path.join(FIXTURES, name));
      assert.deepEqual([...written].sort(), committed, 'same file list');
      for (const rel of committed) {
        const a = await fs.readFile(path.join(dir, rel));
        const b = await fs.readFile(path.join(FIXTURES, name, rel));
        assert.ok(a.equals(b), `${rel} differs from the committed file: run npx tsx scripts/gen-models.ts`);
      }
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
}

test('the generator is deterministic for random weights too', async () => {
  const a = await fs.mkdtemp(path.join(os.tmpdir(), 'recaption-gen-'));
  const b = await fs.mkdtemp(path.join(os.tmpdir(), 'recaption-gen-'));
  try {
    const options: TinyModelOptions = { ...TINY_FLORENCE2, weights: 'random', seed: 3, lengths: { ssc: 3, dsc: 5 } };
    await writeModel(a, 'florence2', options);
    await writeModel(b, 'florence2', options);
    for (const rel of await listFiles(a)) assert.ok((await fs.readFile(path.join(a, rel))).equals(await fs.readFile(path.join(b, rel))), rel);
    const scripted = await fs.readFile(path.join(FIXTURES, 'tiny-florence2', 'onnx', 'decoder_model_merged.onnx'));
    assert.ok(!(await fs.readFile(path.join(a, 'onnx', 'decoder_model_merged.onnx'))).equals(scripted), 'random weights differ from scripted');
  } finally {
    await fs.rm(a, { recursive: true, force: true });
    await fs.rm(b, { recursive: true, force: true });
  }
});
