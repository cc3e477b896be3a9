// The captioner runs in the engine process, so the extension host (one thread that every extension shares)
// stays responsive while a Florence-2-base-sized model captions: the open editor's pages are asked for
// every 50 ms through the handlers its webview talks to, and each must answer within 100 ms of when it
// was due, for the whole run. The machine may be busy with other work (a shared CI machine, two cores): a
// control process beside the host keeps a 10 ms timer and reports when it could not run, and a page's delay
// counts against the host only beyond what the control process suffered at the same moment.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as vscode from 'vscode';
import { EMPTY_QUERY } from '../../../src/shared/protocol.js';
import { api, closeAllEditors, makeDataset, manifestUri, readManifest, waitUntil } from './fixtures.js';

const PAGE_EVERY_MS = 50;
const PAGE_WITHIN_MS = 100;

/** A process that only keeps a 10 ms timer: when it fires late, the machine, not the host, was busy. */
const CONTROL = `let last = performance.now();
setInterval(() => {
  const now = performance.now();
  const late = now - last - 10;
  if (late > 5) process.stdout.write(\`\${(performance.timeOrigin + now).toFixed(1)} \${late.toFixed(1)}\\n\`);
  last = now;
}, 10);`;

interface Stall {
  /** When the control process could run again (epoch ms), and how long it could not before that. */
  at: number;
  ms: number;
}

/**
 * A full garbage collection of the host's heap now. The setup before the run (sixty images made, the
 * editor opened, thumbnails) leaves the heap of the host, which every extension shares, owing a major
 * collection; collected before the run, it does not fall inside the measured window, and one the run's
 * own allocations cause still does.
 */
function collectHostGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

function startControl(): { stalls: Stall[]; stop(): void } {
  const child = spawn(process.execPath, ['-e', CONTROL], { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, stdio: ['ignore', 'pipe', 'ignore'] });
  const stalls: Stall[] = [];
  let partial = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const [at, ms] = line.split(' ').map(Number);
      if (Number.isFinite(at) && Number.isFinite(ms)) stalls.push({ at: at!, ms: ms! });
    }
  });
  return { stalls, stop: () => child.kill() };
}

/** The longest time the control process could not run within [from, to] (epoch ms). */
function machineStall(stalls: readonly Stall[], from: number, to: number): number {
  let worst = 0;
  for (const s of stalls) if (s.at >= from && s.at - s.ms <= to) worst = Math.max(worst, Math.min(s.at, to) - Math.max(s.at - s.ms, from));
  return worst;
}

describe('captioning in the engine process', function () {
  this.timeout(600_000);

  after(async () => {
    await closeAllEditors();
    const config = vscode.workspace.getConfiguration('recaption');
    for (const key of ['model', 'device', 'dtype', 'batchSize']) await config.update(key, undefined, vscode.ConfigurationTarget.Global);
  });

  it('editor pages answer in under 100 ms while the base-sized model captions', async function () {
    const model = process.env.RECAPTION_TEST_BASE_MODEL;
    if (!model) throw new Error('RECAPTION_TEST_BASE_MODEL names no model: run the suite through test/integration/run-in-code-server.ts, which generates it');
    const config = vscode.workspace.getConfiguration('recaption');
    await config.update('model', model, vscode.ConfigurationTarget.Global);
    await config.update('device', 'cpu', vscode.ConfigurationTarget.Global);
    await config.update('dtype', 'fp32', vscode.ConfigurationTarget.Global);
    await config.update('batchSize', 1, vscode.ConfigurationTarget.Global);

    // A captioned manifest to page through, plus new images for the run to caption.
    const folder = await makeDataset(60, true);
    const { jobs, provider } = await api();
    await vscode.commands.executeCommand('recaption.openEditor', vscode.Uri.file(folder));
    const doc = await waitUntil('document', () => provider.openDocuments().find((d) => d.uri.fsPath === manifestUri(folder).fsPath));
    await doc.ready;
    const handlers = await waitUntil('the editor panel', () => provider.requestHandlers(doc));
    const { ManifestStoreForTest } = await import('./store-access.js');
    await ManifestStoreForTest.clearCaptions(folder, ['img-000.png', 'img-001.png', 'img-002.png']);
    await waitUntil('the cleared captions reached the editor', () => doc.model.get('img-000.png')?.ssc === null);
    // The editor has shown its first thumbnails before the run, as it has for a user: the host loads sharp
    // once, for the first of them (a one-time module load, not the run's doing).
    await handlers.thumbnails({ fileNames: ['img-010.png', 'img-011.png'] });

    collectHostGarbage();
    const control = startControl();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const latencies: number[] = [];
    const t0 = performance.now();
    const at: number[] = [];
    // Garbage-collection pauses of the host, to tell them apart from work done on its thread.
    const pauses: PerformanceEntry[] = [];
    const gc = new PerformanceObserver((list) => pauses.push(...list.getEntries().filter((e) => e.duration > 20)));
    gc.observe({ entryTypes: ['gc'] });
    let running = true;
    const run = jobs.recaption(vscode.Uri.file(folder), false).finally(() => (running = false));
    let due = performance.now();
    for (let page = 0; running; page++) {
      due += PAGE_EVERY_MS;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
      const answer = await handlers.page({ query: EMPTY_QUERY, offset: (page * 20) % 40, limit: 20 });
      latencies.push(performance.now() - due);
      at.push(due - t0);
      assert.equal(answer.records.length, 20);
      // Never let one slow answer pile the next ones up behind it.
      due = Math.max(due, performance.now());
    }
    const outcome = await run;
    gc.disconnect();
    control.stop();
    // Each page's delay beyond what the machine imposed on the control process at the same moment.
    const epoch = (t: number) => performance.timeOrigin + t0 + t;
    const hostOwn = latencies.map((l, i) => Math.max(0, l - machineStall(control.stalls, epoch(at[i]!), epoch(at[i]!) + l)));
    const top = latencies.map((l, i) => [at[i]!, l] as const).sort((a, b) => b[1] - a[1]).slice(0, 5);
    console.log(`slowest pages (ms after the run started: ms late): ${top.map(([t, l]) => `${t.toFixed(0)}: ${l.toFixed(0)}`).join(', ')}`);
    const kind = (p: PerformanceEntry) => ((p as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR ? ' major' : '');
    console.log(`host GC pauses over 20 ms (ms after the run started: ms): ${pauses.map((p) => `${(p.startTime - t0).toFixed(0)}: ${p.duration.toFixed(0)}${kind(p)}`).join(', ') || 'none'}`);
    assert.equal(outcome.error, null);
    assert.equal(outcome.result?.captioned, 3, 'the run captioned the three images');
    assert.ok(latencies.length >= 20, `${latencies.length} pages asked for during the run`);
    const sorted = [...latencies].sort((a, b) => a - b);
    const worst = sorted.at(-1)!;
    const worstOwn = Math.max(...hostOwn);
    const machineWorst = Math.max(0, ...control.stalls.map((s) => s.ms));
    console.log(
      `pages during the base-sized run: ${latencies.length}, median ${sorted[sorted.length >> 1]!.toFixed(1)} ms, worst ${worst.toFixed(1)} ms late; ` +
        `beyond the machine's own stalls (control process: worst ${machineWorst.toFixed(0)} ms): worst ${worstOwn.toFixed(1)} ms`,
    );
    assert.ok(worstOwn < PAGE_WITHIN_MS, `the slowest page answered ${worst.toFixed(0)} ms after it was due, ${worstOwn.toFixed(0)} ms beyond what the machine imposed on a control process`);
    const saved = await readManifest(folder);
    assert.equal(saved['img-000.png']!.ssc?.by, 'model');
  });
});
