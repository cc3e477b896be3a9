// Webview-level checks of the caption editor's toolbar actions, in a real VS Code (code-server) in Chromium
// with the extension loaded from this checkout (dist/, as `npm run build` makes it):
//   Normalize…: preview lists before/after, Apply changes them as one edit (dirty tab), one Ctrl+Z undoes it.
//   Upsample…: the current image's DSC is written by the chat model on the local OpenAI test server.
// Usage: npm run test:integration:ui   (after scripts/e2e-setup.sh; builds first)
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import type { Frame, Page } from 'playwright-core';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { emptyRecord } from '../../src/shared/record.js';
import { OpenAITestServer } from '../support/openai-test-server.js';
import { REPO, describeWorkbench, findEditorFrame, launchBrowser, startCodeServer, waitFor, type CodeServer } from '../e2e/harness.js';

const ARTIFACTS = path.join(REPO, 'test-artifacts');
const KEYLESS_MODEL = 'test-llm';

const DSCS = [
  'The image shows a red square on white. Overall, the image conveys calm.',
  'This is a green square',
  'A blue square, nothing else.',
];

async function makeDataset(folder: string): Promise<void> {
  await fs.mkdir(folder, { recursive: true });
  const store = await ManifestStore.open(folder);
  for (let i = 0; i < DSCS.length; i++) {
    const name = `img-${i}.png`;
    await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 40 * i, g: 100, b: 200 - 40 * i } } }).png().toFile(path.join(folder, name));
    store.put({ ...emptyRecord(name), width: 64, height: 48 });
    store.writeMachineCaption(name, 'ssc', { text: `square ${i}`, by: 'model', model: 'tiny' });
    store.writeMachineCaption(name, 'dsc', { text: DSCS[i]!, by: 'model', model: 'tiny' });
    // Scores as `recaption score` writes them, so the grid shows them on its tiles.
    store.setScores(name, 'tiny-clip', { ssc: { text: `square ${i}`, score: 0.2 + i / 10 }, dsc: { text: DSCS[i]!, score: 0.25 + i / 10 } });
  }
  await store.save();
}

async function openManifest(page: Page, server: CodeServer): Promise<Frame> {
  // Quick Open: recaption.jsonl opens in the caption editor (the default editor for it). Clicking the row,
  // not Enter, so a list still filling in cannot take the keystroke; a second try if the first opened nothing.
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('Control+P');
    await page.keyboard.type('recaption.jsonl');
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: 'recaption.jsonl' }).first();
    await row.waitFor({ timeout: 30_000 });
    await row.click();
    try {
      return await findEditorFrame(page, 45_000);
    } catch (err) {
      process.stdout.write(`[ui] attempt ${attempt}: the editor did not appear\n${await describeWorkbench(page, server)}\n`);
      if (attempt === 2) throw err;
      await page.keyboard.press('Escape');
    }
  }
}

const dscText = (frame: Frame): Promise<string> => frame.locator('textarea.dsc').inputValue();

async function main(): Promise<void> {
  await fs.mkdir(ARTIFACTS, { recursive: true });
  const llm = await OpenAITestServer.start({ model: KEYLESS_MODEL });
  const workspace = await fs.mkdtemp(path.join(os.tmpdir(), 'recaption-ui-ws-'));
  await makeDataset(path.join(workspace, 'photos'));
  const server = await startCodeServer({
    workspace,
    // As the extension-host runner does: the workbench loads the extension from the payload's path.
    extraArgs: ['--vscode-option', 'enable-smoke-test-driver'],
    settings: { 'files.autoSave': 'off', 'recaption.upsample.model': KEYLESS_MODEL },
  });
  // The endpoint is machine-scoped: in code-server (a remote window) it lives in the remote's settings.
  await fs.mkdir(path.join(server.userDataDir, 'Machine'), { recursive: true });
  await fs.writeFile(path.join(server.userDataDir, 'Machine/settings.json'), JSON.stringify({ 'recaption.upsample.endpoint': llm.baseUrl }));
  const { context, page } = await launchBrowser(server.root);
  const step = (what: string) => process.stdout.write(`[ui] ${what}\n`);
  // Console errors of the workbench and the webview, printed if a step fails.
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text().slice(0, 300));
  });
  try {
    const payload = JSON.stringify([['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${server.port}${REPO}`]]);
    await page.goto(server.url(`&payload=${encodeURIComponent(payload)}`));
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    const frame = await openManifest(page, server);
    await waitFor('rows', async () => (await frame.locator('rc-list .row[data-file]').count()) === DSCS.length, 30_000);
    assert.equal(await dscText(frame), DSCS[0]);
    step('editor open');

    // Defect flags: the first DSC opens ("The image shows") and closes ("Overall, ...") with stock phrases,
    // the second opens with one ("This is"), the third has none; every SSC shares "square" with its DSC.
    const detailFlags = await frame.locator('rc-defect-badges[data-role="flags"] .chip').allInnerTexts();
    assert.deepEqual(detailFlags, ['stock opening or closing phrase']);
    const rowChips = await frame.locator('rc-list .row[data-file] rc-defect-badges .chip').allInnerTexts();
    assert.equal(rowChips.length, 2, `row chips: ${JSON.stringify(rowChips)}`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'editor-defect-flags.png') });
    step('defect flags shown in the detail pane and on the rows');
    // The flag filter (its column is filled by a pass after the index): the two flagged images, then all.
    const setFlagFilter = (value: string) =>
      frame.locator('#filter-flag').evaluate((el, v) => {
        (el as HTMLElement & { value: string }).value = v;
        el.dispatchEvent(new Event('change', { bubbles: true }));
      }, value);
    await setFlagFilter('flagged');
    await waitFor('the flagged rows', async () => (await frame.locator('rc-list .row[data-file]').count()) === 2, 10_000);
    await setFlagFilter('any');
    await waitFor('every row again', async () => (await frame.locator('rc-list .row[data-file]').count()) === DSCS.length, 10_000);
    step('the flag filter shows the two flagged images');

    // The grid: every image a tile with its state, score and flags; g switches back.
    await frame.locator('rc-list').focus();
    await page.keyboard.press('g');
    await waitFor('the grid tiles', async () => (await frame.locator('rc-grid .tile[data-file]').count()) === DSCS.length, 10_000);
    assert.deepEqual(await frame.locator('rc-grid .tile .score').allInnerTexts(), ['0.25', '0.35', '0.45']);
    assert.equal(await frame.locator('rc-grid .tile rc-defect-badges .chip').count(), 2);
    await frame.locator('rc-grid .tile[data-file="img-0.png"]').click();
    await frame.locator('rc-grid .tile[data-file="img-2.png"]').click({ modifiers: ['Control'] });
    await waitFor('two selected', async () => (await frame.locator('[data-role="selection-count"]').innerText().catch(() => '')) === '2 selected', 5_000);
    await page.screenshot({ path: path.join(ARTIFACTS, 'editor-grid.png') });
    await page.keyboard.press('Escape');
    await page.keyboard.press('Home');
    await page.keyboard.press('g');
    await waitFor('the list again', async () => (await frame.locator('rc-list .row[data-file]').count()) === DSCS.length, 10_000);
    await waitFor('the first image shown again', async () => (await dscText(frame)) === DSCS[0], 10_000);
    step('grid shows tiles with scores and flags; Ctrl+click selects two; g back to the list');

    // Normalize: preview, apply, one undo.
    await frame.locator('#open-normalize').click();
    const panel = frame.locator('rc-normalize');
    await panel.locator('#norm-closing').click();
    await panel.locator('#norm-preview').click();
    await waitFor('the preview', async () => (await panel.locator('[data-role="normalize-summary"]').innerText().catch(() => '')).startsWith('2 caption(s) would change'), 10_000);
    const afters = await panel.locator('.change .after').allInnerTexts();
    assert.deepEqual(afters.sort(), ['A green square', 'A red square on white.']);
    await page.screenshot({ path: path.join(ARTIFACTS, 'editor-normalize-preview.png') });
    await panel.locator('#norm-apply').click();
    await waitFor('the normalize notice', async () => (await frame.locator('[data-role="notice"]').innerText().catch(() => '')).includes('Normalized 2 captions'), 10_000);
    await waitFor('the new DSC shown', async () => (await dscText(frame)) === 'A red square on white.', 10_000);
    await waitFor('dirty tab', () => page.locator('.tab.dirty').count(), 10_000);
    step('normalized 2 captions; tab dirty');
    await frame.locator('rc-list').focus();
    await page.keyboard.press('Control+Z');
    await waitFor('one undo restores both', async () => (await dscText(frame)) === DSCS[0], 10_000);
    await waitFor('clean tab after undo', async () => (await page.locator('.tab.dirty').count()) === 0, 10_000);
    step('one Ctrl+Z undid the normalization');
    await panel.locator('vscode-button', { hasText: 'Close' }).click();

    // Upsample the current image (the first) from the toolbar.
    await frame.locator('vscode-button', { hasText: 'Upsample…' }).click();
    await waitFor('the upsampled DSC', async () => (await dscText(frame)).startsWith('A detailed rendering of square 0'), 20_000);
    const author = await frame.locator('.field[data-field="dsc"] [data-role="author"]').innerText();
    assert.ok(author.includes('upsample'), author);
    await waitFor('dirty tab', () => page.locator('.tab.dirty').count(), 10_000);
    assert.equal(llm.requests.length, 1);
    await page.screenshot({ path: path.join(ARTIFACTS, 'editor-upsampled.png') });
    step('Upsample wrote the current image’s DSC (by upsample), tab dirty');
    process.stdout.write('editor UI checks passed\n');
  } catch (err) {
    await page.screenshot({ path: path.join(ARTIFACTS, 'editor-ui-failure.png') }).catch(() => undefined);
    process.stdout.write(`[ui] failed; the workbench:\n${await describeWorkbench(page, server)}\nconsole errors:\n${consoleErrors.slice(-20).join('\n')}\n`);
    throw err;
  } finally {
    await context.close().catch(() => undefined);
    await server.stop();
    await llm.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
