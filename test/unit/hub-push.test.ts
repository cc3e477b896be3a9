// Pushing an export folder to the Hub: the real @huggingface/hub client against a real local Hub
// (test/support/hub-test-server.ts), with real files in temporary folders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startHubTestServer, type HubTestServer } from '../support/hub-test-server.js';
import { HubApiError, whoAmI } from '@huggingface/hub';
import { HubPushError, hubRepoNameProblem, pushFolderToHub, type HubPushProgress } from '../../src/core/hub/index.js';
import { AnswerTooLargeError, createHubFetch } from '../../src/core/hub/hub-fetch.js';
import { createPushCommand } from '../../src/cli/commands/push.js';
import { CliError } from '../../src/cli/cli-error.js';
import { captureStderr } from '../support/capture-stderr.js';
import { approvedImages, makeDataset } from './export-fixture.js';

const TOKEN = 'hf_pushTestToken0123456789';
const WRONG_TOKEN = 'hf_wrongToken9876543210';

async function tempDir(prefix: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), `recaption-hubtest-${prefix}-`));
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Random bytes behind a PNG signature (which has NUL bytes): binary by any test, so it goes through LFS. */
function binary(size: number): Buffer {
  const bytes = randomBytes(size);
  Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex').copy(bytes);
  return bytes;
}

/** An export-like folder: small text files (committed inline) and 1-3 MB binary files (through LFS). */
async function makeExportFolder(): Promise<{ folder: string; files: Map<string, Buffer> }> {
  const folder = await tempDir('export');
  const files = new Map<string, Buffer>([
    ['export.json', Buffer.from(JSON.stringify({ tool: 'recaption', record_version: 1 }))],
    ['README.md', Buffer.from('---\nlicense: cc-by-4.0\n---\n# A dataset\n')],
    ['train/metadata.jsonl', Buffer.from('{"file_name":"a.png","text":"a cat"}\n')],
    ['data/a.bin', binary(1_000_000)],
    ['data/b.bin', binary(2_000_000)],
    ['data/c.bin', binary(3_000_000)],
  ]);
  for (const [rel, bytes] of files) {
    await fs.mkdir(path.dirname(path.join(folder, rel)), { recursive: true });
    await fs.writeFile(path.join(folder, rel), bytes);
  }
  return { folder, files };
}

async function withServer(fn: (server: HubTestServer) => Promise<void>, options: Partial<Parameters<typeof startHubTestServer>[0]> = {}): Promise<void> {
  const server = await startHubTestServer({ token: TOKEN, user: 'tester', ...options });
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

async function pushError(promise: Promise<unknown>): Promise<HubPushError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof HubPushError, `expected a HubPushError, got ${String(err)}`);
    return err;
  }
  assert.fail('the push succeeded');
}

function assertSameFiles(server: HubTestServer, repo: string, files: Map<string, Buffer>): void {
  const committed = server.repo(repo)?.files;
  assert.ok(committed, `${repo} exists`);
  assert.deepEqual([...committed.keys()].sort(), [...files.keys()].sort());
  for (const [rel, bytes] of files) assert.equal(sha256(committed.get(rel)!), sha256(bytes), `${rel} is byte-equal`);
}

test('a push creates the repo and the Hub ends up with every file, byte-equal', async () => {
  const { folder, files } = await makeExportFolder();
  await withServer(async (server) => {
    const result = await pushFolderToHub({ folder, repo: 'tester/cats', token: TOKEN, endpoint: `${server.url}/`, private: true, commitMessage: 'First upload' });
    assertSameFiles(server, 'tester/cats', files);
    const repo = server.repo('tester/cats')!;
    assert.equal(repo.private, true);
    assert.equal(repo.commits.length, 1);
    assert.equal(repo.commits[0]!.summary, 'First upload');
    assert.deepEqual(result, { url: `${server.url}/datasets/tester/cats`, commit: repo.commits[0]!.oid, filesPushed: files.size, bytesPushed: [...files.values()].reduce((n, b) => n + b.length, 0) });
    // The binaries went through LFS (one PUT each), the text files inside the commit.
    assert.equal(server.counts['create-repo'], 1);
    assert.equal(server.counts['lfs-upload'], 3);
    assert.equal(repo.lfs.size, 3);
    assert.ok(server.requests.every((r) => !r.url.includes(TOKEN)), 'the token is never in a URL');
    // Classic LFS only: the client is not offered Xet, which a self-hosted Hub may not speak.
    assert.deepEqual(server.lfsTransfersOffered, [['basic', 'multipart']]);

    // A second push into the existing repo (409 on create) sends no large file again.
    server.resetCounts();
    await pushFolderToHub({ folder, repo: 'tester/cats', token: TOKEN, endpoint: server.url });
    assert.equal(server.counts['create-repo'], 1);
    assert.equal(server.counts['lfs-upload'], 0);
    assert.equal(repo.commits.length, 2);
    assert.equal(repo.private, true);
  });
});

test("the test server answers the client's whoAmI as the Hub does", async () => {
  await withServer(async (server) => {
    const me = await whoAmI({ accessToken: TOKEN, hubUrl: server.url });
    assert.equal(me.name, 'tester');
    assert.equal(me.auth.accessToken?.role, 'write');
    await assert.rejects(whoAmI({ accessToken: WRONG_TOKEN, hubUrl: server.url }), (err: unknown) => err instanceof HubApiError && err.statusCode === 401);
    assert.equal(server.counts.whoami, 2);
  });
});

test('a refused token is "unauthorized", says how to set one, never shows the token, and commits nothing', async () => {
  const { folder } = await makeExportFolder();
  // This server quotes the Authorization header it refused, as a careless one might.
  await withServer(
    async (server) => {
      const err = await pushError(pushFolderToHub({ folder, repo: 'tester/cats', token: WRONG_TOKEN, endpoint: server.url }));
      assert.equal(err.code, 'unauthorized');
      assert.match(err.message, /refused the token \(401/);
      assert.match(err.message, /HF_TOKEN/);
      assert.match(err.message, /Recaption: Set Hugging Face Token/);
      assert.ok(!err.message.includes(WRONG_TOKEN) && !err.message.includes(TOKEN), err.message);
      assert.ok(!/\n/.test(err.message), 'one line');
      assert.equal(server.repo('tester/cats'), undefined);
      assert.equal(server.counts.commit, 0);

      // The caller's own advice replaces the default one.
      const cli = await pushError(pushFolderToHub({ folder, repo: 'tester/cats', token: WRONG_TOKEN, endpoint: server.url, tokenAdvice: 'set HF_TOKEN' }));
      assert.match(cli.message, /set HF_TOKEN\.$/);

      // A token the client would refuse to send (it must start with hf_) is refused before any request.
      server.resetCounts();
      const shape = await pushError(pushFolderToHub({ folder, repo: 'tester/cats', token: 'not-a-token', endpoint: server.url }));
      assert.equal(shape.code, 'unauthorized');
      assert.ok(!shape.message.includes('not-a-token'));
      assert.equal(server.requests.length, 0);
    },
    { echoTokenInErrors: true },
  );
});

test('an interrupted upload fails as "network" and commits nothing; the next push resumes without re-sending what arrived', async () => {
  const { folder, files } = await makeExportFolder();
  const oid = (rel: string) => sha256(files.get(rel)!);
  await withServer(async (server) => {
    server.cutNextUpload({ oid: oid('data/c.bin'), afterBytes: 1_000_000 });
    const err = await pushError(pushFolderToHub({ folder, repo: 'tester/cats', token: TOKEN, endpoint: server.url }));
    assert.equal(err.code, 'network', err.message);
    assert.match(err.message, /Nothing on the Hub was changed by the incomplete commit/);
    assert.match(err.message, /run the push again to resume/i);
    const repo = server.repo('tester/cats')!;
    assert.equal(repo.commits.length, 0);
    assert.equal(repo.files.size, 0);
    assert.deepEqual([...repo.lfs.keys()].sort(), [oid('data/a.bin'), oid('data/b.bin')].sort(), 'a and b arrived, c was cut');

    server.resetCounts();
    await pushFolderToHub({ folder, repo: 'tester/cats', token: TOKEN, endpoint: server.url });
    assertSameFiles(server, 'tester/cats', files);
    assert.deepEqual([...server.uploadsStarted.entries()], [[oid('data/c.bin'), 1]], 'only the cut file is sent again');
    assert.equal(server.counts.commit, 1);
  });
});

test('a server that is not there is a "network" error', async () => {
  const { folder } = await makeExportFolder();
  const server = await startHubTestServer({ token: TOKEN });
  const url = server.url;
  await server.close();
  const err = await pushError(pushFolderToHub({ folder, repo: 'tester/cats', token: TOKEN, endpoint: url }));
  assert.equal(err.code, 'network');
  assert.match(err.message, /ECONNREFUSED/);
  assert.match(err.message, /Nothing on the Hub was changed/);
});

test('a namespace the token may not write to is "forbidden"', async () => {
  const { folder } = await makeExportFolder();
  await withServer(async (server) => {
    const err = await pushError(pushFolderToHub({ folder, repo: 'someone-else/cats', token: TOKEN, endpoint: server.url }));
    assert.equal(err.code, 'forbidden', err.message);
    assert.match(err.message, /write access to someone-else/);
    assert.equal(server.counts.commit, 0);
  });
});

test('repo ids follow the Hub rules, and an invalid one is refused before any request', async () => {
  for (const good of ['tester/cats', 'Org_1/my.data-set', 'a/b', `x/${'n'.repeat(96)}`]) assert.equal(hubRepoNameProblem(good), null, good);
  const bad: [string, RegExp][] = [
    ['cats', /owner\/name/],
    ['a/b/c', /owner\/name/],
    ['datasets/tester/cats', /without "datasets\/"/],
    ['tester/', /name is empty/],
    ['/cats', /owner is empty/],
    ['tester/ca ts', /letters, digits/],
    ['tester/cäts', /letters, digits/],
    ['tester/-cats', /start or end/],
    ['tester/cats.', /start or end/],
    ['.tester/cats', /start or end/],
    ['tester/ca--ts', /"--" or "\.\."/],
    ['tester/ca..ts', /"--" or "\.\."/],
    [`tester/${'n'.repeat(97)}`, /at most 96/],
    ['tester/cats.git', /\.git/],
  ];
  for (const [name, why] of bad) assert.match(hubRepoNameProblem(name) ?? '', why, name);

  const { folder } = await makeExportFolder();
  await withServer(async (server) => {
    const err = await pushError(pushFolderToHub({ folder, repo: 'tester/ca--ts', token: TOKEN, endpoint: server.url }));
    assert.equal(err.code, 'bad-repo');
    assert.equal(server.requests.length, 0);
  });
});

test('a folder with a symbolic link, or that is no finished export, is refused before any request', async () => {
  await withServer(async (server) => {
    const { folder } = await makeExportFolder();
    const outside = path.join(await tempDir('outside'), 'secret.txt');
    await fs.writeFile(outside, 'private');
    await fs.symlink(outside, path.join(folder, 'train', 'leak.txt'));
    const link = await pushError(pushFolderToHub({ folder, repo: 'tester/cats', token: TOKEN, endpoint: server.url }));
    assert.equal(link.code, 'bad-folder');
    assert.match(link.message, /train\/leak\.txt is a symbolic link/);

    const { folder: noRecord } = await makeExportFolder();
    await fs.rm(path.join(noRecord, 'export.json'));
    const unfinished = await pushError(pushFolderToHub({ folder: noRecord, repo: 'tester/cats', token: TOKEN, endpoint: server.url }));
    assert.equal(unfinished.code, 'bad-folder');
    assert.match(unfinished.message, /no export\.json/);

    const missing = await pushError(pushFolderToHub({ folder: path.join(noRecord, 'nope'), repo: 'tester/cats', token: TOKEN, endpoint: server.url }));
    assert.equal(missing.code, 'bad-folder');

    const few = await pushError(pushFolderToHub({ folder: noRecord, repo: 'tester/cats', token: TOKEN, endpoint: server.url, limits: { maxFiles: 2 } }));
    assert.match(few.message, /more than 2 files/);
    assert.equal(server.requests.length, 0);
  });
});

test('a file rewritten while the push runs fails it as "bad-folder" and commits nothing', async () => {
  const { folder } = await makeExportFolder();
  await withServer(async (server) => {
    const err = await pushError(
      pushFolderToHub({
        folder,
        repo: 'tester/cats',
        token: TOKEN,
        endpoint: server.url,
        // The small files are read for the commit right after this phase begins.
        onProgress: (p) => {
          if (p.phase === 'committing') writeFileSync(path.join(folder, 'README.md'), '# edited meanwhile\n');
        },
      }),
    );
    assert.equal(err.code, 'bad-folder', err.message);
    assert.match(err.message, /README\.md changed while it was being pushed/);
    assert.equal(server.repo('tester/cats')!.commits.length, 0);
    assert.equal(server.counts.commit, 0);
  });
});

test('progress reaches totalBytes byte by byte, file by file, and never carries the token', async () => {
  const { folder, files } = await makeExportFolder();
  await withServer(async (server) => {
    const events: HubPushProgress[] = [];
    await pushFolderToHub({ folder, repo: 'tester/cats', token: TOKEN, endpoint: server.url, onProgress: (p) => events.push({ ...p }) });
    const total = [...files.values()].reduce((n, b) => n + b.length, 0);
    const last = events.at(-1)!;
    assert.equal(last.sentBytes, total);
    assert.equal(last.totalBytes, total);
    assert.equal(last.filesDone, files.size);
    assert.equal(last.filesTotal, files.size);
    for (let i = 1; i < events.length; i++) assert.ok(events[i]!.sentBytes >= events[i - 1]!.sentBytes, 'sentBytes never goes back');
    // The 3 MB file's upload is reported while it is under way, not only when it is done.
    // (without the byte counting there is one update per file, when it is done)
    assert.ok(events.filter((e) => e.file === 'data/c.bin' && e.phase === 'uploading').length >= 3, 'several updates for the 3 MB file');
    assert.ok(events.some((e) => e.phase === 'hashing'));
    assert.ok(!JSON.stringify(events).includes(TOKEN));
  });
});

test('cancelling through the AbortSignal is "cancelled" and commits nothing', async () => {
  const { folder } = await makeExportFolder();
  await withServer(async (server) => {
    const controller = new AbortController();
    const err = await pushError(
      pushFolderToHub({
        folder,
        repo: 'tester/cats',
        token: TOKEN,
        endpoint: server.url,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.phase === 'uploading' && p.sentBytes > 0) controller.abort();
        },
      }),
    );
    assert.equal(err.code, 'cancelled', err.message);
    assert.match(err.message, /cancelled while uploading large files; nothing was committed/);
    assert.equal(server.repo('tester/cats')!.commits.length, 0);

    const before = new AbortController();
    before.abort();
    server.resetCounts();
    const early = await pushError(pushFolderToHub({ folder, repo: 'tester/cats', token: TOKEN, endpoint: server.url, signal: before.signal }));
    assert.equal(early.code, 'cancelled');
    assert.equal(server.requests.length, 0);
  });
});

test('the push fetch bounds answers and refuses URLs that are not http(s)', async () => {
  await withServer(async (server) => {
    const bounded = createHubFetch({ onUploadRead: () => undefined, maxAnswerBytes: 16 });
    await assert.rejects(whoAmI({ accessToken: TOKEN, hubUrl: server.url, fetch: bounded }), AnswerTooLargeError);
    const roomy = createHubFetch({ onUploadRead: () => undefined });
    assert.equal((await whoAmI({ accessToken: TOKEN, hubUrl: server.url, fetch: roomy })).name, 'tester');
    await assert.rejects(roomy('file:///etc/passwd'), /refusing to send a request to a file: URL/);
  });
});

/** Runs `recaption push` in-process with this environment; stdout and stderr captured. */
async function recaptionPush(env: NodeJS.ProcessEnv, tmp: string, ...args: string[]): Promise<{ code: number | CliError; stdout: string; stderr: string }> {
  let stdout = '';
  const command = createPushCommand({ env, tmpdir: () => tmp, stdout: (t) => (stdout += t) });
  const { value, stderr } = await captureStderr(async () => {
    try {
      return await command.run(args);
    } catch (err) {
      if (err instanceof CliError) return err;
      throw err;
    }
  });
  return { code: value, stdout, stderr };
}

test('recaption push sends an export folder with HF_TOKEN and HF_ENDPOINT, and refuses to run without a token', async () => {
  const { folder, files } = await makeExportFolder();
  const tmp = await tempDir('cli-tmp');
  await withServer(async (server) => {
    const env = { HF_TOKEN: TOKEN, HF_ENDPOINT: server.url };
    const run = await recaptionPush(env, tmp, folder, '--repo', 'tester/cats', '--private', '--json');
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as Record<string, unknown>;
    assert.equal(result.url, `${server.url}/datasets/tester/cats`);
    assert.equal(result.filesPushed, files.size);
    assert.equal(result.exported, false);
    assert.match(run.stderr, /pushed 6 files/);
    assertSameFiles(server, 'tester/cats', files);
    assert.equal(server.repo('tester/cats')!.private, true);

    const plain = await recaptionPush({ HUGGING_FACE_HUB_TOKEN: TOKEN, HF_ENDPOINT: server.url }, tmp, folder, '--repo', 'tester/cats');
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(plain.stdout, `${server.url}/datasets/tester/cats\n`);

    server.resetCounts();
    const none = await recaptionPush({ HF_ENDPOINT: server.url }, tmp, folder, '--repo', 'tester/cats');
    assert.ok(none.code instanceof CliError);
    assert.equal(none.code.exitCode, 1);
    assert.match(none.code.message, /no Hugging Face token: set the HF_TOKEN environment variable/);

    const wrong = await recaptionPush({ HF_TOKEN: WRONG_TOKEN, HF_ENDPOINT: server.url }, tmp, folder, '--repo', 'tester/cats');
    assert.ok(wrong.code instanceof CliError);
    assert.match(wrong.code.message, /refused the token.*set the HF_TOKEN environment variable to a valid token/);
    assert.ok(!wrong.code.message.includes(WRONG_TOKEN) && !wrong.stderr.includes(WRONG_TOKEN));

    const badEndpoint = await recaptionPush({ HF_TOKEN: TOKEN, HF_ENDPOINT: 'ftp://hub.example' }, tmp, folder, '--repo', 'tester/cats');
    assert.ok(badEndpoint.code instanceof CliError);
    assert.equal(badEndpoint.code.exitCode, 2);
    assert.match(badEndpoint.code.message, /HF_ENDPOINT: .*http\(s\)/);

    const badRepo = await recaptionPush(env, tmp, folder, '--repo', 'tester/..');
    assert.ok(badRepo.code instanceof CliError);
    assert.equal(badRepo.code.exitCode, 2);

    const exportOnly = await recaptionPush(env, tmp, folder, '--repo', 'tester/cats', '--profile', 'ssc');
    assert.ok(exportOnly.code instanceof CliError);
    assert.match(exportOnly.code.message, /--profile apply when <folder> is a dataset/);
    assert.equal(server.counts.commit, 0);
  });
  assert.deepEqual(await fs.readdir(tmp), []);
});

test('a --repo with a raw line break or another control character is refused on one line, before any request', async () => {
  const { folder } = await makeExportFolder();
  const tmp = await tempDir('cli-tmp');
  await withServer(async (server) => {
    for (const repo of ['tester/cats\n', 'tester\n/cats', 'tester/ca\rts', 'tester/cats\u0007', 'tester/cats\u2028']) {
      const run = await recaptionPush({ HF_TOKEN: TOKEN, HF_ENDPOINT: server.url }, tmp, folder, '--repo', repo);
      assert.ok(run.code instanceof CliError, JSON.stringify(repo));
      assert.equal(run.code.exitCode, 2);
      assert.ok(!/[\n\r\u0007\u2028]/.test(run.code.message), `one line, no raw control character: ${JSON.stringify(run.code.message)}`);
      assert.match(run.code.message, /--repo: .*(line break|control character)/);
      assert.match(hubRepoNameProblem(repo) ?? '', /line break|control character/);
    }
    assert.equal(server.requests.length, 0);
  });
});

test('recaption push exports a dataset into a temporary folder, pushes it, and removes the folder', async () => {
  const store = await makeDataset(approvedImages(6));
  const tmp = await tempDir('cli-tmp');
  await withServer(async (server) => {
    const env = { HF_TOKEN: TOKEN, HF_ENDPOINT: server.url };
    const run = await recaptionPush(env, tmp, store.folder, '--repo', 'tester/dataset', '--profile', 'ssc', '--license', 'cc-by-4.0', '--json');
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as Record<string, unknown>;
    assert.equal(result.exported, true);
    const pushed = server.repo('tester/dataset')!.files;
    const record = JSON.parse(pushed.get('export.json')!.toString('utf8')) as Record<string, unknown>;
    assert.equal(record.profile, 'ssc');
    assert.equal(record.format, 'parquet');
    assert.ok([...pushed.keys()].some((p) => p.endsWith('.parquet')), [...pushed.keys()].join(', '));
    assert.equal(result.filesPushed, pushed.size);
    assert.deepEqual(await fs.readdir(tmp), [], 'the temporary export is removed');

    // A failed push removes it too.
    const wrong = await recaptionPush({ HF_TOKEN: WRONG_TOKEN, HF_ENDPOINT: server.url }, tmp, store.folder, '--repo', 'tester/dataset');
    assert.ok(wrong.code instanceof CliError);
    assert.deepEqual(await fs.readdir(tmp), []);
  });
});
