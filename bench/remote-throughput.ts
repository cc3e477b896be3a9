// Throughput of the remote captioner against the local OpenAI-compatible test server, at several
// concurrencies, with a fixed simulated inference latency per request.
//   npx tsx bench/remote-throughput.ts [--latency-ms 50] [--concurrency 1,8,32] [--tasks ssc,dsc] [--seconds 5]
// It measures the client side (HTTP, JSON, base64 upload, retries machinery, limiter) with the server's
// latency fixed, so the ideal is concurrency / (latency x tasks) images/s; what falls short of it is our overhead.
// Two modes: "all in flight" (every image handed to one caption() call, only the limiter bounds it) and
// "batches" (sequential caption() calls of the backend's default batch size, as a pipeline that awaits
// each batch before the next would run it). The server runs in a child process; the last column is the
// client's CPU time per request, which depends far less than wall time on what else the machine runs.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import type { CaptionKind } from '../src/shared/record.js';
import type { PreparedImage } from '../src/core/captioner/backend.js';
import { RemoteCaptionBackend } from '../src/core/captioner/remote/index.js';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

const { values } = parseArgs({
  options: {
    'latency-ms': { type: 'string', default: '50' },
    concurrency: { type: 'string', default: '1,8,32' },
    tasks: { type: 'string', default: 'ssc,dsc' },
    seconds: { type: 'string', default: '5' },
    side: { type: 'string', default: '512' },
  },
});
const latencyMs = Number(values['latency-ms']);
const concurrencies = values.concurrency!.split(',').map(Number);
const tasks = values.tasks!.split(',') as CaptionKind[];
const targetSeconds = Number(values.seconds);
const side = Number(values.side);

async function main(): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'recaption-bench-'));
  // The server runs in a child process: the CPU time measured here is the client's alone.
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'test-server-process.ts'), String(latencyMs)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const [baseUrl] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  const server = { baseUrl };
  try {
    // Distinct noisy images so the JPEG upload is a realistic size, not a few hundred bytes.
    const distinct = 16;
    const files: string[] = [];
    for (let i = 0; i < distinct; i++) {
      const noise = Buffer.alloc(side * side * 3);
      for (let j = 0; j < noise.length; j++) noise[j] = (j * (i + 7) * 2654435761) >>> 24;
      const file = path.join(dir, `img-${i}.png`);
      await sharp(noise, { raw: { width: side, height: side, channels: 3 } }).png().toFile(file);
      files.push(file);
    }
    const probe = new RemoteCaptionBackend({ baseUrl: server.baseUrl, model: 'bench', apiKey: 'sk-bench-0000000000' });
    const t0 = performance.now();
    const prepared: PreparedImage[] = [];
    for (const [i, f] of files.entries()) prepared.push(await probe.prepare(f, `img-${i}.png`));
    const prepMs = (performance.now() - t0) / distinct;
    const uploadKiB = (prepared[0]!.payload as { dataUrl: Uint8Array }).dataUrl.length / 1024;

    console.log(`node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'})`);
    console.log(`server latency ${latencyMs} ms per request; tasks ${tasks.join('+')} (${tasks.length} requests per image); upload ${uploadKiB.toFixed(0)} KiB per request (${side}x${side} JPEG)`);
    console.log(`prepare (sharp decode + resize + JPEG + base64): ${prepMs.toFixed(1)} ms per image, not included below\n`);
    console.log('concurrency | mode          | images | seconds | images/s | requests/s | ideal images/s | client CPU ms/request');
    for (const concurrency of concurrencies) {
      const ideal = (concurrency * 1000) / (latencyMs * tasks.length);
      // Enough images for about targetSeconds at the ideal rate.
      const count = Math.max(concurrency * 4, Math.round(ideal * targetSeconds));
      const images = Array.from({ length: count }, (_, i) => ({ ...prepared[i % distinct]!, fileName: `img-${i}.png` }));
      for (const mode of ['all in flight', 'batches'] as const) {
        const backend = new RemoteCaptionBackend({ baseUrl: server.baseUrl, model: 'bench', apiKey: 'sk-bench-0000000000', concurrency });
        const start = performance.now();
        const cpuBefore = process.cpuUsage();
        let ok = 0;
        if (mode === 'all in flight') {
          ok = (await backend.caption(images, tasks)).filter((r) => r.ok).length;
        } else {
          for (let i = 0; i < images.length; i += backend.defaultBatchSize) {
            ok += (await backend.caption(images.slice(i, i + backend.defaultBatchSize), tasks)).filter((r) => r.ok).length;
          }
        }
        const seconds = (performance.now() - start) / 1000;
        const cpu = process.cpuUsage(cpuBefore);
        if (ok !== count) throw new Error(`${count - ok} images failed`);
        const requests = count * tasks.length;
        console.log(
          `${String(concurrency).padStart(11)} | ${mode.padEnd(13)} | ${String(count).padStart(6)} | ${seconds.toFixed(2).padStart(7)} | ` +
            `${(count / seconds).toFixed(1).padStart(8)} | ${(requests / seconds).toFixed(1).padStart(10)} | ${ideal.toFixed(1).padStart(14)} | ` +
            `${((cpu.user + cpu.system) / 1000 / requests).toFixed(2).padStart(21)}`,
        );
      }
    }
  } finally {
    child.stdin!.end();
    await once(child, 'exit');
    await fs.rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
