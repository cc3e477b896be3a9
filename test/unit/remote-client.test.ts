// The OpenAI-compatible client against the local test server: retries, Retry-After, timeouts, redirects,
// answers that are not captions, and the API key kept out of every message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChatClient, RemoteRequestError, cleanAnswer, normalizeBaseUrl, type ChatMessage } from '../../src/core/captioner/remote/index.js';
import { backoffDelayMs, parseRetryAfterMs } from '../../src/core/captioner/remote/backoff.js';
import { OpenAITestServer } from '../support/openai-test-server.js';

const KEY = 'sk-test-9f8e7d6c5b4a3210secret';
const MODEL = 'test/vision-1';
const ASK: ChatMessage[] = [{ role: 'user', content: 'Expand: a cat' }];
const OPTS = { maxTokens: 100, temperature: 0.2 };
const FAST = { baseDelayMs: 10, maxDelayMs: 2000 };

async function withServer(fn: (server: OpenAITestServer) => Promise<void>): Promise<void> {
  const server = await OpenAITestServer.start({ apiKey: KEY, model: MODEL });
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

function client(server: OpenAITestServer, extra: Partial<ConstructorParameters<typeof ChatClient>[0]> = {}): ChatClient {
  return new ChatClient({ baseUrl: server.baseUrl, model: MODEL, apiKey: KEY, backoff: FAST, ...extra });
}

async function failure(promise: Promise<unknown>): Promise<RemoteRequestError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof RemoteRequestError, `expected RemoteRequestError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the request to fail');
}

test('a plain request carries the key, the model, max_tokens and temperature', async () => {
  await withServer(async (server) => {
    const text = await client(server).complete(ASK, OPTS);
    assert.match(text, /cat/);
    assert.deepEqual(server.rejected, []);
    const got = server.requests[0]!;
    assert.equal(got.authorization, `Bearer ${KEY}`);
    assert.equal(got.model, MODEL);
    assert.equal(got.maxTokens, 100);
    assert.equal(got.temperature, 0.2);
  });
});

test('429 with Retry-After in seconds waits that long, then succeeds', async () => {
  await withServer(async (server) => {
    server.enqueue({ kind: 'status', status: 429, retryAfter: '1' });
    const notices: number[] = [];
    const started = performance.now();
    const text = await client(server, { onRetry: (n) => notices.push(n.delayMs) }).complete(ASK, OPTS);
    const elapsed = performance.now() - started;
    assert.match(text, /cat/);
    assert.equal(server.requests.length, 2);
    assert.deepEqual(notices, [1000]);
    assert.ok(elapsed >= 950, `waited only ${elapsed} ms`);
  });
});

test('Retry-After as an HTTP date and as seconds both parse; garbage falls back', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(parseRetryAfterMs('Thu, 01 Jan 2026 00:00:05 GMT', now), 5000);
  assert.equal(parseRetryAfterMs('Thu, 01 Jan 2025 00:00:05 GMT', now), 0);
  assert.equal(parseRetryAfterMs('2', now), 2000);
  assert.equal(parseRetryAfterMs('0.5', now), 500);
  assert.equal(parseRetryAfterMs('soon', now), null);
  assert.equal(parseRetryAfterMs(null, now), null);
});

test('Retry-After larger than the cap waits only the cap', async () => {
  await withServer(async (server) => {
    server.enqueue({ kind: 'status', status: 503, retryAfter: '3600' });
    const notices: number[] = [];
    await client(server, { backoff: { baseDelayMs: 10, maxDelayMs: 50 }, onRetry: (n) => notices.push(n.delayMs) }).complete(ASK, OPTS);
    assert.deepEqual(notices, [50]);
  });
});

test('backoff grows exponentially with jitter inside [half, full] and is capped', () => {
  const policy = { baseDelayMs: 100, maxDelayMs: 1000 };
  assert.equal(backoffDelayMs(0, policy, () => 0), 50);
  assert.equal(backoffDelayMs(0, policy, () => 1), 100);
  assert.equal(backoffDelayMs(2, policy, () => 0.5), 300);
  assert.equal(backoffDelayMs(10, policy, () => 1), 1000);
});

test('500 is retried; a server that keeps failing is reported after the last attempt', async () => {
  await withServer(async (server) => {
    server.enqueue({ kind: 'status', status: 500 });
    assert.match(await client(server).complete(ASK, OPTS), /cat/);
    assert.equal(server.requests.length, 2);

    server.enqueue(...Array.from({ length: 4 }, () => ({ kind: 'status' as const, status: 502 })));
    const err = await failure(client(server, { maxRetries: 3 }).complete(ASK, OPTS));
    assert.equal(err.kind, 'http');
    assert.equal(err.status, 502);
    assert.equal(err.attempts, 4);
    assert.match(err.message, /HTTP 502 .*gave up after 4 attempts/);
    assert.equal(server.requests.length, 6);
  });
});

test('400 and 404 are not retried and say what to check', async () => {
  await withServer(async (server) => {
    server.enqueue({ kind: 'status', status: 400, body: JSON.stringify({ error: { message: 'image too large' } }) });
    const err = await failure(client(server).complete(ASK, OPTS));
    assert.equal(server.requests.length, 1);
    assert.match(err.message, /HTTP 400 .*image too large/);
    const missing = await failure(new ChatClient({ baseUrl: server.baseUrl, model: 'nope', apiKey: KEY }).complete(ASK, OPTS));
    assert.equal(missing.status, 404);
    assert.match(missing.message, /model name/);
    assert.equal(server.hits, 2);
  });
});

test('a hung connection times out per attempt and is retried, then reported', async () => {
  await withServer(async (server) => {
    server.enqueue({ kind: 'hang' }, { kind: 'hang-body' });
    const started = performance.now();
    const err = await failure(client(server, { timeoutMs: 200, maxRetries: 1 }).complete(ASK, OPTS));
    assert.equal(err.kind, 'timeout');
    assert.equal(err.attempts, 2);
    assert.ok(performance.now() - started < 2000);
    assert.match(err.message, /no answer .* within/);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(server.clientAborts, 2, 'both hung requests were closed by the client');

    server.enqueue({ kind: 'hang' });
    assert.match(await client(server, { timeoutMs: 200 }).complete(ASK, OPTS), /cat/, 'a retry after one hang succeeds');
  });
});

test('a dropped connection is a network error and is retried', async () => {
  await withServer(async (server) => {
    server.enqueue({ kind: 'drop' });
    assert.match(await client(server).complete(ASK, OPTS), /cat/);
    server.enqueue({ kind: 'drop' }, { kind: 'drop' });
    const err = await failure(client(server, { maxRetries: 1 }).complete(ASK, OPTS));
    assert.equal(err.kind, 'network');
    assert.match(err.message, /cannot reach/);
  });
});

test('a malformed body, a refusal, a text refusal, an empty and a cut-off answer are clear errors, not retried', async () => {
  await withServer(async (server) => {
    const cases: Array<[Parameters<OpenAITestServer['enqueue']>[0], string, RegExp]> = [
      [{ kind: 'malformed' }, 'malformed', /not JSON/],
      [{ kind: 'malformed', body: '{"object":"list"}' }, 'malformed', /no "choices"/],
      [{ kind: 'refusal' }, 'refusal', /refused/],
      [{ kind: 'text-refusal' }, 'refusal', /declined/],
      [{ kind: 'empty' }, 'empty', /no text/],
      [{ kind: 'ok', text: 'A long descr', finishReason: 'length' }, 'truncated', /max_tokens \(100\)/],
    ];
    for (const [reply, kind, message] of cases) {
      const before = server.hits;
      server.enqueue(reply);
      const err = await failure(client(server).complete(ASK, OPTS));
      assert.equal(err.kind, kind);
      assert.match(err.message, message);
      assert.equal(server.hits - before, 1, `${kind} is not retried`);
    }
  });
});

test('redirects are not followed: the key and the body never reach another host', async () => {
  const elsewhere = await OpenAITestServer.start();
  try {
    await withServer(async (server) => {
      server.enqueue({ kind: 'redirect', location: `${elsewhere.baseUrl}/chat/completions`, status: 307 });
      const err = await failure(client(server).complete(ASK, OPTS));
      assert.equal(err.kind, 'redirect');
      assert.match(err.message, /redirect .*127\.0\.0\.1/);
      assert.equal(elsewhere.hits, 0);
    });
  } finally {
    await elsewhere.close();
  }
});

test('the API key is redacted even when the server echoes it back', async () => {
  await withServer(async (server) => {
    // The server expects KEY; send a different secret, which it echoes in its 401 message.
    const other = 'sk-wrong-0123456789abcdef';
    const err = await failure(new ChatClient({ baseUrl: server.baseUrl, model: MODEL, apiKey: other }).complete(ASK, OPTS));
    assert.equal(err.status, 401);
    assert.ok(server.rejected.some((r) => r.message.includes(other)), 'the server did echo the key');
    assert.ok(!err.message.includes(other));
    assert.ok(!(err.stack ?? '').includes(other));
    assert.match(err.message, /\[redacted\].*RECAPTION_API_KEY/);
  });
});

test('cancelling aborts the request in flight and a pending backoff wait', async () => {
  await withServer(async (server) => {
    server.enqueue({ kind: 'hang' });
    const controller = new AbortController();
    const pending = client(server, { timeoutMs: 60_000 }).complete(ASK, OPTS, controller.signal);
    while (server.inFlight === 0) await new Promise((r) => setTimeout(r, 5));
    const started = performance.now();
    controller.abort();
    await assert.rejects(pending, { name: 'AbortError' });
    assert.ok(performance.now() - started < 500);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(server.clientAborts, 1);

    server.enqueue({ kind: 'status', status: 429, retryAfter: '30' });
    const c2 = new AbortController();
    const waiting = client(server, { backoff: { baseDelayMs: 10, maxDelayMs: 60_000 } }).complete(ASK, OPTS, c2.signal);
    while (server.requests.length < 2) await new Promise((r) => setTimeout(r, 5));
    setTimeout(() => c2.abort(), 20);
    await assert.rejects(waiting, { name: 'AbortError' });
    assert.equal(server.requests.length, 2, 'no retry after the cancel');
  });
});

test('base URLs are checked and normalised', () => {
  assert.equal(normalizeBaseUrl('http://gpu01:8000/v1/'), 'http://gpu01:8000/v1');
  assert.equal(normalizeBaseUrl('http://localhost:11434/v1/chat/completions'), 'http://localhost:11434/v1');
  assert.throws(() => normalizeBaseUrl('ftp://x/v1'), /http/);
  assert.throws(() => normalizeBaseUrl('http://user:sk-abc@host/v1'), /RECAPTION_API_KEY/);
  assert.throws(() => normalizeBaseUrl('localhost:8000'), /http/);
  assert.throws(() => normalizeBaseUrl('not a url'), /not a URL/);
});

test('answers are cleaned of think blocks and wrapping quotes', () => {
  assert.equal(cleanAnswer('<think>hmm</think>\n "A red cube."  '), 'A red cube.');
  assert.equal(cleanAnswer('"Stop" sign and "Go" sign'), '"Stop" sign and "Go" sign');
});

test('a request with image bytes serialises to the same JSON as with the data URL string', async () => {
  const { dataUrlBytes, serializeRequest } = await import('../../src/core/captioner/remote/request-body.js');
  const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 250, 251, 252]);
  const bytes = dataUrlBytes('image/jpeg', jpeg);
  const asString = `data:image/jpeg;base64,${jpeg.toString('base64')}`;
  const make = (url: string | Uint8Array) => ({
    model: 'm',
    messages: [{ role: 'user', content: [{ type: 'text', text: 'say "hi" ✓ @@recaption-image-x-0@@' }, { type: 'image_url', image_url: { url } }] }],
  });
  const out = Buffer.from(serializeRequest(make(bytes))).toString('utf8');
  assert.equal(out, JSON.stringify(make(asString)));
  assert.equal(Buffer.from(serializeRequest(make(Buffer.from(bytes)))).toString('utf8'), JSON.stringify(make(asString)), 'a Buffer works too');
  assert.throws(() => dataUrlBytes('image/jpeg"', jpeg), /MIME/);
});

test('a key cut by the error-message limit, URL-encoded or base64-echoed is still redacted', async () => {
  await withServer(async (server) => {
    // The key starts just before the 200-character cut: redacting after cutting left its first part.
    const cutBody = JSON.stringify({ error: { message: `${'x'.repeat(190)}${KEY} end` } });
    const b64 = Buffer.from(`Authorization: Bearer ${KEY}`).toString('base64');
    const bodies = [cutBody, `{"error":"echo ${encodeURIComponent(KEY)}"}`, `{"error":"header was ${b64}"}`];
    for (const body of bodies) {
      server.enqueue({ kind: 'status', status: 400, body });
      const err = await failure(client(server).complete(ASK, OPTS));
      for (const part of [KEY.slice(0, 12), KEY.slice(-12), encodeURIComponent(KEY)]) assert.ok(!err.message.includes(part), `key part in "${err.message}"`);
      assert.ok(!err.message.includes(b64.slice(8, 40)), `the base64 echo survived in "${err.message}"`);
    }
    // A caption that repeats the key is redacted too.
    server.enqueue({ kind: 'ok', text: `A cat next to a note that reads ${KEY}.` });
    const caption = await client(server).complete(ASK, OPTS);
    assert.ok(!caption.includes(KEY) && caption.includes('[redacted]'), caption);
  });
});

test('an answer over the byte cap, or one that never ends, is a malformed answer at once, not retried', async () => {
  await withServer(async (server) => {
    server.enqueue({ kind: 'huge', bytes: 12 << 20 });
    const big = await failure(client(server, { maxResponseBytes: 1 << 20 }).complete(ASK, OPTS));
    assert.equal(big.kind, 'malformed');
    assert.match(big.message, /larger than 1 MB/);
    assert.equal(server.requests.length, 1, 'not retried');
    server.enqueue({ kind: 'endless' });
    const started = performance.now();
    const endless = await failure(client(server, { maxResponseBytes: 2 << 20, timeoutMs: 30_000 }).complete(ASK, OPTS));
    assert.equal(endless.kind, 'malformed');
    assert.ok(performance.now() - started < 10_000, 'the endless body was cut at the cap, long before the timeout');
    assert.equal(server.requests.length, 2);
  });
});

test('a caption far longer than max_tokens allows is refused', async () => {
  await withServer(async (server) => {
    server.enqueue({ kind: 'ok', text: 'a cat '.repeat(2000) });
    const err = await failure(client(server).complete(ASK, { maxTokens: 20, temperature: 0 }));
    assert.equal(err.kind, 'malformed');
    assert.match(err.message, /longer than max_tokens/);
  });
});
