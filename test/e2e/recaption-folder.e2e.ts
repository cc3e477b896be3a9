// End to end, as a user: a real VS Code (code-server) in Chromium with the packaged extension installed.
// Right-click a folder of generated images > Recaption Folder (tiny Florence-2 on the CPU), wait for the
// caption editor, check the captions it shows against the manifest, edit a DSC with the keyboard, approve
// it, save with Ctrl+S, and check the manifest on disk. Screenshots go to test-artifacts/.
// Usage: npm run test:e2e   (or: npx tsx test/e2e/recaption-folder.e2e.ts [path/to.vsix])
import { promises as fs, readdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import type { Frame, Page } from 'playwright-core';
import { REPO, describeWorkbench, findEditorFrame, launchBrowser, startCodeServer, waitFor } from './harness.js';

const ARTIFACTS = path.join(REPO, 'test-artifacts');
const MODEL = path.join(REPO, 'test/fixtures/models/tiny-florence2');
const COLOURS: [number, number, number][] = [[200, 30, 30], [30, 180, 40], [40, 60, 210], [235, 210, 40], [25, 25, 25], [245, 245, 245]];

interface DiskCaption {
  text: string;
  by: string;
  review: string | null;
  original?: string;
}
type DiskRecord = { file_name: string; ssc: DiskCaption | null; dsc: DiskCaption | null };

function findVsix(): string {
  const given = process.argv[2] ?? process.env.RECAPTION_VSIX;
  if (given) return path.resolve(given);
  const dir = path.join(REPO, 'dist-vsix');
  const target = `${process.platform}-${process.arch}`;
  const match = readdirSync(dir).find((f) => f.endsWith(`-${target}.vsix`));
  if (!match) throw new Error(`no ${target} .vsix in ${dir}: run npm run package first`);
  return path.join(dir, match);
}

async function readManifest(file: string): Promise<Map<string, DiskRecord>> {
  const text = await fs.readFile(file, 'utf8');
  const out = new Map<string, DiskRecord>();
  for (const line of text.split('\n')) if (line.trim()) {
    const r = JSON.parse(line) as DiskRecord;
    out.set(r.file_name, r);
  }
  return out;
}

async function makeImages(folder: string): Promise<void> {
  await fs.mkdir(path.join(folder, 'more'), { recursive: true });
  for (let i = 0; i < COLOURS.length; i++) {
    const [r, g, b] = COLOURS[i]!;
    const name = i < 4 ? `photo-${i}.png` : `more/photo-${i}.png`;
    await sharp({ create: { width: 320, height: 200 + 20 * i, channels: 3, background: { r, g, b } } })
      .composite([{ input: { create: { width: 80, height: 80, channels: 3, background: { r: 255 - r, g: 255 - g, b: 255 - b } } }, left: 40 + 20 * i, top: 40 }])
      .png()
      .toFile(path.join(folder, name));
  }
}

async function rightClickRecaption(page: Page, folderName: string): Promise<void> {
  const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: folderName }).first();
  await row.waitFor({ timeout: 60_000 });
  // The extension's menu entry appears once the remote extension host is up: retry until it shows.
  await waitFor('the Recaption Folder menu entry', async () => {
    await row.click({ button: 'right' });
    const item = page.locator('.context-view .monaco-menu .action-item', { hasText: 'Recaption Folder' }).first();
    try {
      await item.waitFor({ timeout: 1500 });
    } catch {
      await page.keyboard.press('Escape');
      return false;
    }
    await item.hover();
    await item.click();
    if (await page.locator('.context-view .monaco-menu').isVisible().catch(() => false)) await page.keyboard.press('Enter');
    return true;
  }, 90_000, 1000);
}

async function fieldValue(frame: Frame, kind: 'ssc' | 'dsc'): Promise<string> {
  return frame.locator(`textarea.${kind}`).inputValue();
}

async function main(): Promise<void> {
  const started = Date.now();
  await fs.mkdir(ARTIFACTS, { recursive: true });
  const vsix = findVsix();
  const workspace = await fs.mkdtemp(path.join(os.tmpdir(), 'recaption-e2e-ws-'));
  const dataset = path.join(workspace, 'photos');
  await makeImages(dataset);
  const manifest = path.join(dataset, 'recaption.jsonl');

  const server = await startCodeServer({
    workspace,
    install: [vsix],
    settings: { 'recaption.model': MODEL, 'recaption.device': 'cpu', 'files.autoSave': 'off' },
  });
  const { context, page } = await launchBrowser(server.root);
  // A strict CSP that blocks something of ours shows up as a console error in the webview frame.
  const cspViolations: string[] = [];
  page.on('console', (m) => {
    if (/Content.Security.Policy/i.test(m.text())) cspViolations.push(`${m.location().url}: ${m.text()}`);
  });
  const step = (what: string) => process.stdout.write(`[e2e ${((Date.now() - started) / 1000).toFixed(1)} s] ${what}\n`);
  try {
    await page.goto(server.url());
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    step('workbench up');
    await rightClickRecaption(page, 'photos');
    step('Recaption Folder clicked');

    const frame = await findEditorFrame(page, 120_000);
    await waitFor('rows in the list', async () => (await frame.locator('rc-list .row[data-file]').count()) >= COLOURS.length, 60_000);
    step('caption editor shows the rows');
    const disk = await waitFor('captions in the manifest', async () => {
      const m = await readManifest(manifest);
      return [...m.values()].every((r) => r.ssc && r.dsc) && m.size === COLOURS.length ? m : null;
    });

    // The webview shows what the manifest holds, for the selected (first) image.
    const firstName = await frame.locator('[data-role="file-name"]').innerText();
    const first = disk.get(firstName.trim());
    if (!first) throw new Error(`the editor selected "${firstName}", which is not in the manifest`);
    await waitFor('SSC and DSC shown', async () => (await fieldValue(frame, 'ssc')) === first.ssc!.text && (await fieldValue(frame, 'dsc')) === first.dsc!.text, 15_000);
    const author = await frame.locator('.field[data-field="dsc"] [data-role="author"]').innerText();
    if (!author.includes('model')) throw new Error(`DSC author shown as "${author}"`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'editor-captions.png') });
    step(`captions shown match the manifest (${first.file_name}: "${first.ssc!.text}")`);

    // Keyboard only: focus the list, d edits the DSC, replace its text, Ctrl+Enter approves it.
    await frame.locator('rc-list').focus();
    await page.keyboard.press('d');
    await waitFor('DSC focused', () => frame.locator('textarea.dsc').evaluate((el) => el.matches(':focus')));
    const edited = `A person-written description of ${first.file_name}.`;
    await page.keyboard.press('Control+A');
    await page.waitForTimeout(600);
    await page.keyboard.type(edited);
    await waitFor('typed text in the DSC field', async () => (await fieldValue(frame, 'dsc')) === edited, 5_000);
    await page.keyboard.press('Control+Enter');
    // Approving the DSC moves on to the next unreviewed image, whose own captions must show.
    const next = await waitFor('the next image selected', async () => {
      const n = (await frame.locator('[data-role="file-name"]').innerText()).trim();
      return n !== first.file_name ? n : null;
    }, 5_000);
    await waitFor(`the DSC of ${next}`, async () => (await fieldValue(frame, 'dsc')) === disk.get(next)!.dsc!.text, 5_000);
    await page.screenshot({ path: path.join(ARTIFACTS, 'editor-edited.png') });
    await waitFor('dirty marker on the tab', () => page.locator('.tab.dirty').count(), 10_000);
    step('edited and approved with the keyboard');

    await page.keyboard.press('Control+S');
    const saved = await waitFor('the edit on disk', async () => {
      const r = (await readManifest(manifest)).get(first.file_name);
      return r?.dsc?.by === 'human' && r.dsc.text === edited && r.dsc.review === 'approved' ? r : null;
    }, 15_000);
    if (saved.dsc!.original !== first.dsc!.text) throw new Error(`original "${saved.dsc!.original}" is not the model's "${first.dsc!.text}"`);
    if (saved.ssc!.by !== 'model') throw new Error('the SSC should still be the model\'s');
    await waitFor('clean tab after save', async () => (await page.locator('.tab.dirty').count()) === 0, 10_000);
    await page.screenshot({ path: path.join(ARTIFACTS, 'editor-saved.png') });
    step(`saved: ${JSON.stringify(saved.dsc)}`);
    // Find & replace across every caption: preview, apply as one edit, save.
    const before = await readManifest(manifest);
    const due = [...before.values()].flatMap((r) => [r.ssc, r.dsc]).filter((c) => c && /square/i.test(c.text)).length;
    await frame.locator('rc-list').focus();
    await page.keyboard.press('r');
    const panel = frame.locator('rc-find-replace');
    await panel.locator('vscode-textfield#find input').fill('square');
    await panel.locator('vscode-textfield#replace input').fill('SQUARE');
    await panel.locator('vscode-button', { hasText: 'Preview' }).click();
    await waitFor(`a preview of ${due} changes`, async () => (await panel.locator('.meta').allInnerTexts()).some((t) => t.startsWith(`${due} caption(s) would change`)), 10_000);
    await page.screenshot({ path: path.join(ARTIFACTS, 'editor-replace-preview.png') });
    await panel.locator('vscode-button', { hasText: 'Replace' }).click();
    await waitFor('the replace notice', async () => (await frame.locator('[data-role="notice"]').innerText().catch(() => '')).includes(`Replaced in ${due} captions`), 10_000);
    await frame.locator('rc-list').focus();
    await page.keyboard.press('Control+S');
    await waitFor('the replacements on disk', async () => {
      const after = [...(await readManifest(manifest)).values()].flatMap((r) => [r.ssc, r.dsc]);
      return after.filter((c) => c && c.text.includes('SQUARE') && c.by === 'human').length === due && !after.some((c) => c && /square/.test(c.text));
    }, 15_000);
    step(`find & replace changed ${due} captions, saved`);

    // The grid: switch to it, select a range with Shift+click, approve it in bulk, undo, approve again, save.
    await frame.locator('rc-list').focus();
    await page.keyboard.press('g');
    await waitFor('the grid tiles', async () => (await frame.locator('rc-grid .tile[data-file]').count()) === COLOURS.length, 10_000);
    const tiles = await frame.locator('rc-grid .tile[data-file]').evaluateAll((els) => els.map((e) => e.getAttribute('data-file')!));
    await frame.locator(`rc-grid .tile[data-file="${tiles[1]}"]`).click();
    await frame.locator(`rc-grid .tile[data-file="${tiles[3]}"]`).click({ modifiers: ['Shift'] });
    await waitFor('three selected', async () => (await frame.locator('[data-role="selection-count"]').innerText().catch(() => '')) === '3 selected', 5_000);
    await page.screenshot({ path: path.join(ARTIFACTS, 'editor-grid-selection.png') });
    const approveSelection = async () => {
      await frame.locator('#bulk-approve').click();
      await waitFor('the bulk notice', async () => (await frame.locator('[data-role="notice"]').innerText().catch(() => '')).includes('of 3 selected images as one edit'), 10_000);
      await waitFor('dirty tab', () => page.locator('.tab.dirty').count(), 10_000);
    };
    await approveSelection();
    await frame.locator('rc-grid').focus();
    await page.keyboard.press('Control+Z');
    await waitFor('one Ctrl+Z undoes the bulk approve: clean tab', async () => (await page.locator('.tab.dirty').count()) === 0, 10_000);
    await approveSelection();
    await frame.locator('rc-grid').focus();
    await page.keyboard.press('Control+S');
    const range = tiles.slice(1, 4);
    await waitFor('the bulk approval on disk', async () => {
      const m = await readManifest(manifest);
      return range.every((n) => m.get(n)?.ssc?.review === 'approved' && m.get(n)?.dsc?.review === 'approved') && [tiles[0], tiles[4], tiles[5]].every((n) => m.get(n!)?.ssc?.review !== 'approved');
    }, 15_000);
    step(`grid: Shift+click selected ${range.join(', ')}; bulk approve, Ctrl+Z, approve, save: on disk`);

    if (cspViolations.length > 0) throw new Error(`CSP violations in the webview:\n${cspViolations.join('\n')}`);
    process.stdout.write(`e2e passed in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${ARTIFACTS}\n`);
  } catch (err) {
    await page.screenshot({ path: path.join(ARTIFACTS, 'e2e-failure.png') }).catch(() => undefined);
    process.stderr.write(`code-server log: ${server.logFile}\nthe workbench:\n${await describeWorkbench(page, server)}\n`);
    throw err;
  } finally {
    await context.close().catch(() => undefined);
    await server.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`e2e FAILED: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
