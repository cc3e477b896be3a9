// `recaption caption --shard i/N` (remote backend, against the local test server) then `recaption merge`,
// against one unsharded `recaption caption`, through the CLI's main() in process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { main } from '../../src/cli/main.js';
import { MANIFEST_NAME } from '../../src/shared/record.js';
import { OpenAITestServer } from '../support/openai-test-server.js';
import { captureStderr } from '../support/capture-stderr.js';


async function cli(args: string[]): Promise<{ code: number; stderr: string }> {
  const { value, stderr } = await captureStderr(() => main(args));
  return { code: value, stderr };
}

async function dataset(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'recaption-shard-cli-'));
  const colours = [[220, 30, 30], [30, 180, 40], [30, 60, 220], [230, 220, 40]];
  for (let i = 0; i < 16; i++) {
    const [r, g, b] = colours[i % 4]!;
    const rel = path.join(i < 8 ? 'x' : 'y', `${i}.jpg`);
    await fs.mkdir(path.join(dir, path.dirname(rel)), { recursive: true });
    await sharp({ create: { width: 30 + i, height: 20, channels: 3, background: { r: r!, g: g!, b: b! } } }).jpeg().toFile(path.join(dir, rel));
  }
  await fs.writeFile(path.join(dir, 'x', '3.txt'), 'alt text of image three');
  return dir;
}

/** The manifest without what differs between two copies of one dataset: write times and file mtimes. */
const withoutTimes = async (dir: string) =>
  (await fs.readFile(path.join(dir, MANIFEST_NAME), 'utf8')).replace(/"at":"[^"]*",?/g, '').replace(/,"mtime_ms":\d+/g, '');

test('caption --shard i/N over N jobs, then merge, equals one unsharded caption run', async () => {
  const server = await OpenAITestServer.start({ model: 'vlm' });
  const single = await dataset();
  const sharded = await dataset();
  try {
    const remote = ['--endpoint', server.baseUrl, '--remote-model', 'vlm', '--concurrency', '4'];
    const one = await cli(['caption', single, ...remote]);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stderr, /captioned 16 of 16/);

    const unscanned = await cli(['caption', sharded, '--shard', '0/3', ...remote]);
    assert.equal(unscanned.code, 1);
    assert.match(unscanned.stderr, /needs the folder scanned first/);
    assert.equal((await cli(['caption', sharded, '--shard', '3/3', ...remote])).code, 2);

    assert.equal((await cli(['scan', sharded])).code, 0);
    // The jobs run at the same time, as an array job would.
    const jobs = await captureStderr(() => Promise.all([0, 1, 2].map((i) => main(['caption', sharded, '--shard', `${i}/3`, ...remote]))));
    assert.deepEqual(jobs.value, [0, 0, 0], jobs.stderr);
    assert.match(jobs.stderr, /shard 2\/3 is in recaption\.shard-0002-of-0003\.jsonl/);
    assert.ok(!(await fs.readFile(path.join(sharded, MANIFEST_NAME), 'utf8')).includes('"by":"model"'), 'shard jobs leave recaption.jsonl alone');
    const merged = await cli(['merge', sharded]);
    assert.equal(merged.code, 0, merged.stderr);
    assert.match(merged.stderr, /3 shard manifests: 0 images added, 16 updated, 0 conflicts/);
    assert.equal(await withoutTimes(sharded), await withoutTimes(single));
    assert.ok((await withoutTimes(single)).includes('alt text of image three'));
    assert.deepEqual((await fs.readdir(sharded)).filter((f) => f.startsWith('recaption.')), [MANIFEST_NAME]);
  } finally {
    await server.close();
    await fs.rm(single, { recursive: true, force: true });
    await fs.rm(sharded, { recursive: true, force: true });
  }
});
