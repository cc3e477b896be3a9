// Measures the caption editor on a 250,000-record manifest in a real VS Code (code-server + Chromium):
// time from "open recaption.jsonl" to the first rendered row, a jump to the middle of the list, and the
// memory of the extension host and the browser renderer. Writes test-artifacts/perf-250k.json.
// Usage: npm run package && npx tsx scripts/e2e-perf-250k.ts [records]
import { execFileSync } from 'node:child_process';
import { promises as fs, readdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO, findEditorFrame, launchBrowser, startCodeServer, waitFor } from '../test/e2e/harness.js';
import { writeSyntheticManifest as writeManifest } from './lib/synthetic-manifest.js';

const RECORDS = Number(process.argv[2] ?? 250_000);
const ARTIFACTS = path.join(REPO, 'test-artifacts');

function processTree(rootPid: number): { pid: number; cmd: string; rssMb: number }[] {
  const ps = execFileSync('ps', ['-eo', 'pid=,ppid=,rss=,args='], { encoding: 'utf8' });
  const rows = ps.split('\n').filter(Boolean).map((l) => {
    const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(.*)$/.exec(l)!;
    return { pid: Number(m[1]), ppid: Number(m[2]), rssMb: Number(m[3]) / 1024, cmd: m[4]! };
  });
  const keep = new Set([rootPid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const r of rows) {
      if (!keep.has(r.pid) && keep.has(r.ppid)) {
        keep.add(r.pid);
        grew = true;
      }
    }
  }
  return rows.filter((r) => keep.has(r.pid));
}

/** RSS of code-server's extension host: the node child of this server whose command names extensionHost. */
function extensionHostRss(serverRoot: string): number | null {
  const ps = execFileSync('ps', ['-eo', 'pid=,rss=,args='], { encoding: 'utf8' });
  const line = ps.split('\n').find((l) => /extensionHost/i.test(l) && !l.includes('chromium'));
  if (!line) {
    console.error(`no extension host process found (server ${serverRoot}); node processes:\n${ps.split('\n').filter((l) => l.includes('node')).join('\n')}`);
    return null;
  }
  return Number(/^\s*\d+\s+(\d+)/.exec(line)![1]) / 1024;
}

/** The extension's own log lines (its "Recaption" output channel), from the server's log folder. */
function extensionLog(root: string): string[] {
  try {
    const out = execFileSync('grep', ['-rh', '--include=*.log', '-e', 'loaded .*records', '-e', 'first row of', root], { encoding: 'utf8' });
    return out.split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

async function main(): Promise<void> {
  await fs.mkdir(ARTIFACTS, { recursive: true });
  const vsixDir = path.join(REPO, 'dist-vsix');
  const vsix = path.join(vsixDir, readdirSync(vsixDir).find((f) => f.endsWith(`-${process.platform}-${process.arch}.vsix`))!);
  const workspace = await fs.mkdtemp(path.join(os.tmpdir(), 'recaption-perf-'));
  const folder = path.join(workspace, 'big');
  await fs.mkdir(folder);
  const bytes = await writeManifest(path.join(folder, 'recaption.jsonl'), RECORDS);
  console.log(`manifest: ${RECORDS} records, ${(bytes / 1e6).toFixed(0)} MB`);

  const server = await startCodeServer({ workspace, install: [vsix] });
  const { context, page } = await launchBrowser(server.root);
  try {
    await page.goto(server.url());
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'big' }).first().click();
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'recaption.jsonl' }).first().waitFor();
    // The extension host is up once our command exists; measure the open alone.
    await page.waitForTimeout(3000);
    const hostBefore = extensionHostRss(server.root);
    const pageHeap = () =>
      page.evaluate(() => {
        const m = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
        return m ? m.usedJSHeapSize / 1e6 : null;
      });
    const heapBefore = await pageHeap();

    const t0 = Date.now();
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'recaption.jsonl' }).first().dblclick();
    const frame = await findEditorFrame(page, 120_000);
    await waitFor('the first row', async () => (await frame.locator('rc-list .row[data-file]').count()) > 0, 120_000, 20);
    const firstRowMs = Date.now() - t0;
    await waitFor('the selected record', async () => (await frame.locator('[data-role="file-name"]').count()) > 0, 30_000, 20);
    const firstRecordMs = Date.now() - t0;
    await page.screenshot({ path: path.join(ARTIFACTS, 'perf-250k-open.png') });
    // The first screen comes from the head of the file; the rest loads behind it.
    await waitFor('the whole manifest loaded', async () => (await frame.locator('header .position').innerText()).endsWith(`/ ${RECORDS}`), 120_000, 50);
    const fullyLoadedMs = Date.now() - t0;

    // Jump to the middle of the list (End, then scroll position) and time the rows appearing there.
    const t1 = Date.now();
    await frame.locator('rc-list').evaluate((el) => {
      el.scrollTop = el.scrollHeight / 2;
    });
    const middle = String(Math.floor(RECORDS / 2)).padStart(7, '0').slice(0, 4);
    await waitFor('rows in the middle', async () => {
      const names = await frame.locator('rc-list .row[data-file]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-file') ?? ''));
      return names.some((n) => n.includes(`img-${middle}`));
    }, 30_000, 20).catch(async (err: Error) => {
      const state = await frame.locator('rc-list').evaluate((el) => ({ top: el.scrollTop, height: el.scrollHeight, rows: [...(el.shadowRoot?.querySelectorAll('.row') ?? [])].slice(0, 3).map((r) => r.getAttribute('data-pos') + ':' + r.getAttribute('data-file')) }));
      await page.screenshot({ path: path.join(ARTIFACTS, 'perf-250k-failure.png') });
      throw new Error(`${err.message}: ${JSON.stringify(state)}`);
    });
    const scrollMiddleMs = Date.now() - t1;
    const t2 = Date.now();
    await frame.locator('rc-list').focus();
    await page.keyboard.press('End');
    const lastName = `img-${String(RECORDS - 1).padStart(7, '0')}`;
    await waitFor('the last record selected', async () => (await frame.locator('[data-role="file-name"]').innerText()).includes(lastName), 30_000, 20);
    // ... and the list shows it: past about 600,000 rows a list without a paged scroll space cannot.
    await waitFor('the last row in the list', async () => (await frame.locator(`rc-list .row.selected[data-file*="${lastName}"]`).count()) > 0, 30_000, 20);
    const endKeyMs = Date.now() - t2;
    const listScrollHeight = await frame.locator('rc-list').evaluate((el) => el.scrollHeight);

    // The grid: back to the first image, switch (g), time to the first tiles; then a screen at a time
    // (PageDown) and the time until no tile in view is a placeholder (its record not yet fetched).
    await page.keyboard.press('Home');
    await waitFor('the first record selected', async () => (await frame.locator('[data-role="file-name"]').innerText()).includes('img-0000000'), 30_000, 20);
    const t3 = Date.now();
    await page.keyboard.press('g');
    await waitFor('the first tiles', async () => (await frame.locator('rc-grid .tile[data-file]').count()) > 0, 30_000, 10);
    const gridFirstTilesMs = Date.now() - t3;
    const gridScreenMs: number[] = [];
    for (let i = 0; i < 8; i++) {
      const t = Date.now();
      await page.keyboard.press('PageDown');
      await page.waitForTimeout(30);
      await waitFor('a screen of tiles', async () => (await frame.locator('rc-grid .tile.placeholder').count()) === 0 && (await frame.locator('rc-grid .tile[data-file]').count()) > 0, 30_000, 10);
      gridScreenMs.push(Date.now() - t);
    }
    await page.screenshot({ path: path.join(ARTIFACTS, 'perf-grid.png') });
    await page.keyboard.press('g');

    await page.waitForTimeout(3000);
    const hostAfter = extensionHostRss(server.root);
    const webviewHeap = await frame.evaluate(() => {
      const m = (performance as unknown as { memory?: { usedJSHeapSize: number; totalJSHeapSize: number } }).memory;
      return m ? { usedMb: m.usedJSHeapSize / 1e6, totalMb: m.totalJSHeapSize / 1e6 } : null;
    });
    const domRows = await frame.locator('rc-list .row').count();
    const heapAfter = await pageHeap();
    const browserPid = (context as unknown as { _browser?: { _process?: { pid?: number } } })._browser?._process?.pid;
    const chromiumProcs = processTree(browserPid ?? process.pid).filter((p) => p.cmd.includes('chromium') && p.cmd.includes('--type=renderer'));
    const result = {
      records: RECORDS,
      manifestMb: Math.round(bytes / 1e6),
      firstRowMs,
      firstRecordMs,
      fullyLoadedMs,
      scrollMiddleMs,
      endKeyMs,
      listScrollHeight,
      domRows,
      gridFirstTilesMs,
      gridScreenMs,
      extensionHostRssMb: { beforeOpen: hostBefore && Math.round(hostBefore), afterOpen: hostAfter && Math.round(hostAfter) },
      // The webview shares the workbench's renderer (same site), so its heap is reported with the workbench's;
      // the growth from opening the editor is the webview's share.
      rendererJsHeapMb: webviewHeap && { used: Math.round(webviewHeap.usedMb), total: Math.round(webviewHeap.totalMb) },
      rendererJsHeapGrowthFromOpenMb: heapBefore !== null && heapAfter !== null ? Math.round(heapAfter - heapBefore) : null,
      extensionLog: extensionLog(server.root),
      chromiumRendererRssMb: chromiumProcs.map((p) => Math.round(p.rssMb)),
      cpu: os.cpus()[0]?.model,
      cores: os.cpus().length,
    };
    console.log(JSON.stringify(result, null, 2));
    await fs.writeFile(path.join(ARTIFACTS, 'perf-250k.json'), JSON.stringify(result, null, 2));
  } finally {
    await context.close().catch(() => undefined);
    await server.stop();
    await fs.rm(workspace, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
