// Runs a real VS Code (code-server from .e2e/, installed by scripts/e2e-setup.sh) in a throwaway home and
// drives it with playwright-core and the system Chromium. Shared by the e2e test, the extension-host test
// runner and the perf script.
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs, existsSync, openSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Frame, type Page } from 'playwright-core';

export const REPO = path.resolve(__dirname, '../..');
const CODE_SERVER = path.join(process.env.RECAPTION_E2E_DIR ?? path.join(REPO, '.e2e'), 'code-server.sh');
export const CHROMIUM = process.env.RECAPTION_CHROMIUM ?? '/usr/bin/chromium';

/** User settings that keep first-run screens, telemetry and auto-save out of the way. */
export const BASE_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  // A test that proves its own save path must not be rescued by auto-save.
  'files.autoSave': 'off',
  'window.restoreWindows': 'none',
};

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface CodeServer {
  port: number;
  root: string;
  userDataDir: string;
  extensionsDir: string;
  workspace: string;
  logFile: string;
  url(query?: string): string;
  stop(): Promise<void>;
}

export interface CodeServerOptions {
  workspace: string;
  settings?: Record<string, unknown>;
  /** e.g. ['--vscode-option', 'enable-smoke-test-driver'] */
  extraArgs?: string[];
  /** .vsix files to install before starting. */
  install?: string[];
  /** Extra environment for code-server and the extension hosts it starts. */
  env?: Record<string, string>;
}

function sandboxEnv(root: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HOME: path.join(root, 'home'),
    XDG_CONFIG_HOME: path.join(root, 'home/.config'),
    XDG_DATA_HOME: path.join(root, 'home/.local/share'),
    XDG_CACHE_HOME: path.join(root, 'home/.cache'),
    TMPDIR: path.join(root, 'tmp'),
  };
}

export function requireSetup(): void {
  if (!existsSync(CODE_SERVER)) throw new Error(`code-server is not installed: run scripts/e2e-setup.sh first (${CODE_SERVER} missing)`);
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium (or set RECAPTION_CHROMIUM)`);
}

export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  requireSetup();
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'recaption-vscode-'));
  const userDataDir = path.join(root, 'user-data');
  const extensionsDir = path.join(root, 'extensions');
  for (const d of ['home/.config', 'home/.local/share', 'home/.cache', 'tmp', `user-data/User`, 'extensions']) {
    await fs.mkdir(path.join(root, d), { recursive: true });
  }
  await fs.writeFile(path.join(userDataDir, 'User/settings.json'), JSON.stringify({ ...BASE_SETTINGS, ...options.settings }, null, 2));
  const env = { ...sandboxEnv(root), ...options.env };
  const common = ['--config', '/dev/null', '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
  for (const vsix of options.install ?? []) {
    await run(CODE_SERVER, [...common, '--install-extension', vsix], env);
  }
  const port = await freePort();
  const logFile = path.join(root, 'code-server.log');
  const out = openSync(logFile, 'a');
  const args = [
    ...common,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--bind-addr', `127.0.0.1:${port}`,
    '--reconnection-grace-time', '5',
    '--ignore-last-opened',
    ...(options.extraArgs ?? []),
    options.workspace,
  ];
  // Its own process group (detached), so stop() also ends the extension hosts it forks.
  const child: ChildProcess = spawn(CODE_SERVER, args, { env, detached: true, stdio: ['ignore', out, out] });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}; see ${logFile}:\n${await fs.readFile(logFile, 'utf8')}`);
    try {
      const res = await fetch(`${base}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`code-server did not become healthy in 60 s; see ${logFile}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    port,
    root,
    userDataDir,
    extensionsDir,
    workspace: options.workspace,
    logFile,
    url: (query = '') => `${base}/?folder=${encodeURIComponent(options.workspace)}${query}`,
    stop: async () => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        return;
      }
      const until = Date.now() + 5000;
      while (Date.now() < until) {
        try {
          process.kill(-child.pid, 0);
        } catch {
          return;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    },
  };
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${output}`))));
  });
}

export async function launchBrowser(root: string): Promise<{ context: BrowserContext; page: Page }> {
  const profile = path.join(root, 'chromium-profile');
  await fs.mkdir(profile, { recursive: true });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1600, height: 1000 },
    env: { ...sandboxEnv(root) } as Record<string, string>,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--enable-precise-memory-info'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page };
}

/** What the workbench shows and what its logs say, printed when a UI step times out (CI keeps no screenshots). */
export async function describeWorkbench(page: Page, server: CodeServer): Promise<string> {
  const lines: string[] = [];
  const texts = async (selector: string): Promise<string[]> => page.locator(selector).allInnerTexts().catch(() => []);
  lines.push(`tabs: ${JSON.stringify(await texts('.tabs-container .tab'))}`);
  lines.push(`notifications: ${JSON.stringify(await texts('.notification-toast, .notifications-center .notification-list-item'))}`);
  lines.push(`dialogs: ${JSON.stringify(await texts('.monaco-dialog-box'))}`);
  lines.push(`frames: ${JSON.stringify(page.frames().map((f) => f.url().slice(0, 160)))}`);
  for (const log of await findLogs(path.join(server.userDataDir, 'logs'))) {
    const text = await fs.readFile(log, 'utf8').catch(() => '');
    const tail = text.split('\n').filter((l) => /error|warn|recaption|exception/i.test(l)).slice(-20);
    if (tail.length > 0) lines.push(`--- ${path.relative(server.userDataDir, log)}`, ...tail);
  }
  return lines.join('\n');
}

async function findLogs(dir: string, depth = 0): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  const found: string[] = [];
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory() && depth < 6) found.push(...(await findLogs(full, depth + 1)));
    else if (e.isFile() && e.name.endsWith('.log')) found.push(full);
  }
  return found;
}

/** The innermost webview frame that hosts our editor (code-server nests it in fake.html). */
export async function findEditorFrame(page: Page, timeoutMs = 60_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      if (!frame.url().includes('fake.html')) continue;
      try {
        if ((await frame.locator('rc-app').count()) > 0) return frame;
      } catch {
        // frame navigated away
      }
    }
    await page.waitForTimeout(250);
  }
  throw new Error('the caption editor webview did not appear');
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 30_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}
