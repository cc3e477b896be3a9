// A Hub that misbehaves: it echoes the token back in some encoding, trickles its answers one byte at a
// time, or stalls an upload. The real @huggingface/hub client against the local server
// (test/support/hub-test-server.ts), with real files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startHubTestServer, type HubTestServer, type HubTestServerOptions } from '../support/hub-test-server.js';
import { HubPushError, pushFolderToHub } from '../../src/core/hub/index.js';
import type { HubTimeouts } from '../../src/core/hub/hub-timeouts.js';

const TOKEN = 'hf_boundsTestTokenQwErTy0123456789';
const WRONG_TOKEN = 'hf_wrongBoundsTokenAsDfGh9876543210';

/** Short limits, so that a stall or a trickle is given up on within a second or two. */
const QUICK: Partial<HubTimeouts> = { idleMs: 400, requestMs: 1500, uploadBaseMs: 1500, minUploadBytesPerSecond: 10 * 1024 * 1024, uploadTries: 3 };

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function exportFolder(): Promise<{ folder: string; files: Map<string, Buffer> }> {
  const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'recaption-hubbounds-'));
  const binary = (size: number) => Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), randomBytes(size - 8)]);
  const files = new Map<string, Buffer>([
    ['export.json', Buffer.from('{"tool":"recaption"}')],
    ['README.md', Buffer.from('# A dataset\n')],
    ['data/a.bin', binary(300_000)],
    ['data/c.bin', binary(3_000_000)],
  ]);
  for (const [rel, bytes] of files) {
    await fs.mkdir(path.dirname(path.join(folder, rel)), { recursive: true });
    await fs.writeFile(path.join(folder, rel), bytes);
  }
  return { folder, files };
}

async function withServer(options: Partial<HubTestServerOptions>, fn: (server: HubTestServer) => Promise<void>): Promise<void> {
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

// ---- item 9: the token echoed back in another form ----

const percentAll = (text: string) => [...Buffer.from(text)].map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join('');

/** How a careless server might quote the Authorization header it refused. */
const ECHOES: Record<string, (header: string) => string> = {
  plain: (h) => h,
  'base64 of the header': (h) => Buffer.from(h).toString('base64'),
  'base64url of the token': (h) => Buffer.from(h.replace(/^Bearer /, '')).toString('base64url'),
  'a Basic header with the token as password': (h) => `Basic ${Buffer.from(`user:${h.replace(/^Bearer /, '')}`).toString('base64')}`,
  'URL-encoded, every byte': (h) => percentAll(h),
  'URL-encoded in a query': (h) => `https://hub.example/?auth=${encodeURIComponent(h)}`,
  hex: (h) => Buffer.from(h).toString('hex'),
  'split in quoted pieces': (h) => h.match(/.{1,7}/g)!.map((piece) => `"${piece}"`).join(', '),
  'one letter per line': (h) => h.split('').join('\n'),
  'upper case': (h) => h.toUpperCase(),
  'JSON \\u escapes': (h) => [...h].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join(''),
};

/** Pieces of the token a message must not contain, however they are spelled. */
function leaks(message: string, token: string): string[] {
  const found: string[] = [];
  const letters = (text: string) => text.replace(/[^A-Za-z0-9]/g, '').toLowerCase();
  const tokenLetters = letters(token);
  const messageLetters = letters(message);
  for (let i = 0; i + 8 <= tokenLetters.length; i++) if (messageLetters.includes(tokenLetters.slice(i, i + 8))) found.push(`letters ${tokenLetters.slice(i, i + 8)}`);
  for (const [name, encode] of Object.entries({ base64: (t: string) => Buffer.from(t).toString('base64'), hex: (t: string) => Buffer.from(t).toString('hex'), percent: percentAll })) {
    for (let shift = 0; shift < 3; shift++) {
      const encoded = encode(`${' '.repeat(shift)}${token}`).slice(shift === 0 ? 0 : 4, -4);
      for (let i = 0; i + 12 <= encoded.length; i += 4) if (message.includes(encoded.slice(i, i + 12))) found.push(`${name} ${encoded.slice(i, i + 12)}`);
    }
  }
  return found;
}

test('a token the server echoes back in any form (base64, URL-encoded, split, ...) never reaches the message', async () => {
  const { folder } = await exportFolder();
  for (const [form, echo] of Object.entries(ECHOES)) {
    await withServer({ echoTokenAs: echo }, async (server) => {
      const err = await pushError(pushFolderToHub({ folder, repo: 'tester/cats', token: WRONG_TOKEN, endpoint: server.url }));
      assert.equal(err.code, 'unauthorized', `${form}: ${err.message}`);
      assert.match(err.message, /refused the token \(401/, form);
      assert.deepEqual(leaks(err.message, WRONG_TOKEN), [], `${form}: ${err.message}`);
      assert.ok(!/\n/.test(err.message), `${form}: one line`);
    });
  }
});

// ---- item 10: a trickled answer, a stalled upload ----

test('a Hub that trickles its answer one byte at a time fails the push on time, saying where', async () => {
  const { folder } = await exportFolder();
  for (const endpoint of ['preupload', 'commit'] as const) {
    await withServer({}, async (server) => {
      // One byte every 100 ms: never idle for long, never done.
      server.trickleAnswers({ endpoint, intervalMs: 100 });
      const started = performance.now();
      const err = await pushError(pushFolderToHub({ folder, repo: 'tester/cats', token: TOKEN, endpoint: server.url, timeouts: QUICK }));
      const seconds = (performance.now() - started) / 1000;
      assert.equal(err.code, 'timeout', err.message);
      assert.ok(seconds < 5, `${endpoint}: gave up after ${seconds.toFixed(1)} s`);
      assert.match(err.message, /did not finish answering within 1\.5 s/);
      assert.ok(!/\n/.test(err.message));
      if (endpoint === 'commit') assert.match(err.message, /while committing .*may or may not have been made/);
      else assert.match(err.message, /while checking which files go to LFS .*Nothing on the Hub was changed/);
      assert.equal(server.repo('tester/cats')!.commits.length, 0);
    });
  }
  // The whole push has a budget too, whatever each request's.
  await withServer({}, async (server) => {
    server.trickleAnswers({ endpoint: 'commit', intervalMs: 100 });
    const err = await pushError(
      pushFolderToHub({ folder, repo: 'tester/cats', token: TOKEN, endpoint: server.url, timeouts: { ...QUICK, requestMs: 60_000, pushBaseMs: 1000 } }),
    );
    assert.equal(err.code, 'timeout', err.message);
    assert.match(err.message, /the push took longer than its budget/);
  });
});

test('a stalled upload is tried again from the part that stalled, and the push completes', async () => {
  const { folder, files } = await exportFolder();
  const oid = sha256(files.get('data/c.bin')!);
  // Multipart: c.bin is three parts of 1 MB; the second stalls half-way, once.
  await withServer({ multipartChunkSize: 1_000_000 }, async (server) => {
    server.stallUploads({ oid, part: 2, afterBytes: 500_000, times: 1 });
    await pushFolderToHub({ folder, repo: 'tester/cats', token: TOKEN, endpoint: server.url, timeouts: QUICK });
    assert.deepEqual(
      [...server.partsStarted].sort(),
      [
        [`${oid}#1`, 1],
        [`${oid}#2`, 2],
        [`${oid}#3`, 1],
      ],
      'only the stalled part was sent again',
    );
    const committed = server.repo('tester/cats')!.files;
    for (const [rel, bytes] of files) assert.equal(sha256(committed.get(rel)!), sha256(bytes), rel);
  });
  // A whole-file upload that stalls is sent again whole; one that stalls on every try fails as "timeout", and
  // the next push resumes.
  await withServer({}, async (server) => {
    server.stallUploads({ oid, afterBytes: 1_000_000, times: 1 });
    await pushFolderToHub({ folder, repo: 'tester/once', token: TOKEN, endpoint: server.url, timeouts: QUICK });
    assert.equal(server.uploadsStarted.get(oid), 2);

    server.stallUploads({ oid, afterBytes: 1_000_000, times: 3 });
    const err = await pushError(pushFolderToHub({ folder, repo: 'tester/always', token: TOKEN, endpoint: server.url, timeouts: QUICK }));
    assert.equal(err.code, 'timeout', err.message);
    assert.match(err.message, /sent nothing for 0\.4 s \(the upload was tried 3 times\).*Nothing on the Hub was changed/);
    assert.equal(server.repo('tester/always')!.commits.length, 0);
    await pushFolderToHub({ folder, repo: 'tester/always', token: TOKEN, endpoint: server.url, timeouts: QUICK });
    assert.equal(server.repo('tester/always')!.commits.length, 1);
  });
});
