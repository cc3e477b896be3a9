// The main job on a fresh machine: make a small folder of varied images, scan it, caption it with the
// bundled tiny Florence-2 model, and print its counts. Real use points --model at a real model folder.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import sharp from 'sharp';

const root = path.resolve(__dirname, '..');
const folder = path.join(root, 'demo');
// The tiny test model names the dominant colour among these four; a real model describes real photos.
const colours: Record<string, string> = { red: '#d22', green: '#2a2', blue: '#22d', gray: '#888' };

async function main(): Promise<void> {
  await fs.mkdir(path.join(folder, 'shapes'), { recursive: true });
  let i = 0;
  for (const [name, hex] of Object.entries(colours)) {
    for (const size of [320, 640]) {
      const file = path.join(folder, 'shapes', `${name}-${size}.jpg`);
      await sharp({ create: { width: size, height: Math.round(size * 0.75), channels: 3, background: hex } }).jpeg().toFile(file);
      if (i++ % 2 === 0) await fs.writeFile(file.replace(/\.jpg$/, '.txt'), `${name} picture`);
    }
  }
  const cli = path.join(root, 'dist', 'cli.js');
  const model = path.join(root, 'test', 'fixtures', 'models', 'tiny-florence2');
  for (const args of [['scan', folder], ['caption', folder, '--model', model], ['stats', folder]]) {
    process.stderr.write(`\n$ recaption ${args.join(' ')}\n`);
    const r = spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
  process.stderr.write(`\nThe manifest is ${path.join(folder, 'recaption.jsonl')}\n`);
}

void main();
