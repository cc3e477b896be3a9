// A local Hugging Face Hub for tests: a real HTTP server on 127.0.0.1 that speaks exactly the endpoints
// @huggingface/hub 2.17.5 calls for a push with useXet: false, as its dist source sends them
// (node_modules/@huggingface/hub/dist/chunk-AXSL4LYE.mjs; the same code is in dist/index.js and src/):
//
//   whoAmI       (src/lib/who-am-i.ts)    GET  /api/whoami-v2                         Bearer; JSON user + auth
//   createRepo   (src/lib/create-repo.ts) POST /api/repos/create                      Bearer; JSON {name, organization, type, visibility?}
//                                                                                     -> {url, name, id}; 409 when it exists
//   commitIter   (src/lib/commit.ts)      POST /api/datasets/{ns}/{name}/preupload/{rev}  Bearer; JSON {files: [{path, size, sample}]}
//                                                                                     -> {files: [{path, uploadMode: "lfs" | "regular"}]}
//                                         POST /datasets/{ns}/{name}.git/info/lfs/objects/batch  Bearer; git-lfs+json
//                                              {operation: "upload", transfers, objects: [{oid, size}], hash_algo, ref}
//                                                                                     -> {transfer: "basic", objects: [{oid, size, actions?: {upload: {href}}}]}
//                                                                                        (no upload action: the object is stored already)
//                                         PUT  {upload href}  (no Authorization: the href is a capability, as S3's presigned URLs are)
//                                         POST /api/datasets/{ns}/{name}/commit/{rev}  Bearer; NDJSON lines
//                                              {key: "header", value: {summary, description?, parentCommit?}}
//                                              {key: "file", value: {path, content, encoding: "base64"}}
//                                              {key: "lfsFile", value: {path, algo: "sha256", size, oid}}
//                                              {key: "deletedFile", value: {path}}
//                                                                                     -> {success, commitOid, commitUrl, hookOutput}
//
// With `multipartChunkSize`, larger objects get the Hub's multipart upload instead (src/lib/commit.ts): the
// batch answer's upload action carries header.chunk_size and one URL per part ("00001", ...) and its href is
// the completion URL:
//                                         PUT  {part URL}  -> 200 with an ETag per part
//                                         POST {href}  git-lfs+json {oid, parts: [{partNumber, etag}]}  -> 200
//
// Not called by a push, so not served: the LFS "verify" action (commitIter never reads actions.verify),
// paths-info and tree listings (commit does not look at the repo's files), and the Xet endpoints (useXet: false).
//
// The server checks "Authorization: Bearer <token>" (a wrong or missing one: 401 with a JSON {"error"} as the
// Hub answers), validates every body, checks each upload's length and sha256 against its oid, applies a
// commit all at once or not at all, keeps committed files in memory per repo, counts requests per endpoint,
// and misbehaves on request: it can cut the connection of an upload after N bytes (an interrupted push),
// stall an upload (stop reading it and never answer), trickle an answer one byte at a time forever, and
// echo the token it refused in any encoding.
import { createHash, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export type HubEndpoint = 'whoami' | 'create-repo' | 'preupload' | 'lfs-batch' | 'lfs-upload' | 'lfs-part' | 'lfs-complete' | 'commit' | 'unknown';

export interface HubCommit {
  oid: string;
  summary: string;
  files: string[];
}

export interface HubRepo {
  id: string;
  private: boolean;
  /** Committed files, path to bytes. */
  files: Map<string, Buffer>;
  commits: HubCommit[];
  /** LFS objects uploaded to this repo (committed or not), oid to bytes. */
  lfs: Map<string, Buffer>;
}

export interface CutUpload {
  /** Cut the upload of this object only (any object when unset). */
  oid?: string;
  /** Cut once the server has read this many bytes of the body. */
  afterBytes: number;
}

export interface HubTestServerOptions {
  token: string;
  /** The token's user; repos may be created in its namespace and in `orgs`. */
  user?: string;
  orgs?: string[];
  /** Files at least this large go to LFS (the Hub: 10 MB); binary files (judged by their sample) always do. */
  lfsThreshold?: number;
  /** Misbehave like a server that quotes the credentials it refused in its error message. */
  echoTokenInErrors?: boolean;
  /** The same, with the Authorization header it refused written in some other form (base64, split, ...). */
  echoTokenAs?: (authorization: string) => string;
  /** Objects larger than this are uploaded in parts of this size (the Hub's multipart upload). */
  multipartChunkSize?: number;
}

export interface StallUpload {
  /** Stall uploads of this object only (any object when unset). */
  oid?: string;
  /** Stall only this part of a multipart upload (1-based; any part when unset). */
  part?: number;
  /** Stop reading once this many bytes of the body arrived. */
  afterBytes: number;
  /** How many matching uploads to stall, one after the other. */
  times: number;
}

export interface HubTestServer {
  /** http://127.0.0.1:<port>, to pass as hubUrl / HF_ENDPOINT. */
  url: string;
  counts: Record<HubEndpoint, number>;
  /** Upload PUTs begun, per oid (including cut ones). */
  uploadsStarted: Map<string, number>;
  /** Part PUTs of multipart uploads begun, per "<oid>#<part>" (including stalled ones). */
  partsStarted: Map<string, number>;
  /** The transfers each LFS batch request offered, in order (["basic", "multipart"], plus "xet" when the client would take Xet). */
  lfsTransfersOffered: string[][];
  /** Every request's method and URL, in order. */
  requests: { method: string; url: string; authorization: string | undefined }[];
  repo(id: string): HubRepo | undefined;
  /** Cuts the connection of the next matching upload after `afterBytes` bytes. The cut waits for the other
   *  uploads in flight to finish, so that which objects arrived is deterministic. */
  cutNextUpload(cut: CutUpload): void;
  /** Stalls matching uploads (whole files or parts): the server stops reading their bodies and never answers. */
  stallUploads(stall: StallUpload): void;
  /** Answers requests to this endpoint with headers, then one space every `intervalMs`, forever (null: stop). */
  trickleAnswers(trickle: { endpoint: HubEndpoint; intervalMs: number } | null): void;
  resetCounts(): void;
  close(): Promise<void>;
}

const MAX_JSON_BODY = 8 * 1024 * 1024;
const MAX_COMMIT_BODY = 64 * 1024 * 1024;
const OID = /^[0-9a-f]{64}$/;
const REPO_PART = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new HttpError(413, 'request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const body = await readBody(req, MAX_JSON_BODY);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'body is not JSON');
  }
  if (!isObject(parsed)) throw new HttpError(400, 'body is not a JSON object');
  return parsed;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Whether `sample` is UTF-8 text; when it is only the file's start, a character cut at its end is fine. */
function isUtf8Prefix(sample: Buffer, whole: boolean): boolean {
  for (let cut = 0; cut <= (whole ? 0 : 3); cut++) {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(sample.subarray(0, sample.length - cut));
      return true;
    } catch {
      // try without the last bytes: a multi-byte character may straddle the 512-byte boundary
    }
  }
  return false;
}

function repoIdProblem(ns: string, name: string): string | null {
  if (!REPO_PART.test(ns) || !REPO_PART.test(name) || `${ns}/${name}`.includes('--') || `${ns}/${name}`.includes('..') || name.length > 96) return 'Invalid repo name';
  return null;
}

export async function startHubTestServer(options: HubTestServerOptions): Promise<HubTestServer> {
  const user = options.user ?? 'tester';
  const namespaces = new Set([user, ...(options.orgs ?? [])]);
  const lfsThreshold = options.lfsThreshold ?? 10 * 1024 * 1024;
  const repos = new Map<string, HubRepo>();
  /** Upload capability ids handed out by the batch answer: which repo and object each is for. */
  const uploadSlots = new Map<string, { repo: HubRepo; oid: string; size: number }>();
  const zeroCounts = (): Record<HubEndpoint, number> => ({ whoami: 0, 'create-repo': 0, preupload: 0, 'lfs-batch': 0, 'lfs-upload': 0, 'lfs-part': 0, 'lfs-complete': 0, commit: 0, unknown: 0 });
  /** Multipart uploads under way: which repo and object, the part size, and the parts received. */
  const multiparts = new Map<string, { repo: HubRepo; oid: string; size: number; chunk: number; parts: Map<number, Buffer> }>();
  const state = {
    counts: zeroCounts(),
    uploadsStarted: new Map<string, number>(),
    partsStarted: new Map<string, number>(),
    stall: null as StallUpload | null,
    trickle: null as { endpoint: HubEndpoint; intervalMs: number } | null,
    requests: [] as HubTestServer['requests'],
    lfsTransfersOffered: [] as string[][],
    cut: null as CutUpload | null,
  };
  /** Uploads being received now, to let a cut wait for the others. */
  const inFlight = new Set<Promise<void>>();
  let baseUrl = '';

  function authorize(req: http.IncomingMessage): void {
    const header = req.headers.authorization;
    const match = /^Bearer (\S+)$/.exec(header ?? '');
    if (!match || match[1] !== options.token) {
      const echoed = options.echoTokenAs ? options.echoTokenAs(header ?? '') : options.echoTokenInErrors ? header : undefined;
      const shown = echoed ? ` (got "${echoed}")` : '';
      throw new HttpError(401, `Invalid credentials in Authorization header${shown}`);
    }
  }

  function findRepo(ns: string, name: string): HubRepo {
    const repo = repos.get(`${ns}/${name}`);
    if (!repo) throw new HttpError(404, 'Repository not found');
    return repo;
  }

  async function createRepo(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    authorize(req);
    const body = await readJson(req);
    const { name, organization, type, visibility } = body;
    if (typeof name !== 'string' || typeof organization !== 'string') throw new HttpError(400, 'name and organization must be strings');
    if (type !== 'dataset') throw new HttpError(400, `this server only makes dataset repos, got type ${String(type)}`);
    if (visibility !== undefined && visibility !== 'public' && visibility !== 'private') throw new HttpError(400, 'visibility must be public or private');
    const problem = repoIdProblem(organization, name);
    if (problem) throw new HttpError(400, problem);
    if (!namespaces.has(organization)) throw new HttpError(403, `You don't have the rights to create a dataset under the namespace "${organization}"`);
    const id = `${organization}/${name}`;
    const url = `${baseUrl}/datasets/${id}`;
    if (repos.has(id)) return sendJson(res, 409, { error: 'You already created this dataset repo', url });
    repos.set(id, { id, private: visibility === 'private', files: new Map(), commits: [], lfs: new Map() });
    sendJson(res, 200, { url, name: id, id: randomBytes(12).toString('hex') });
  }

  async function preupload(req: http.IncomingMessage, res: http.ServerResponse, repo: HubRepo): Promise<void> {
    const body = await readJson(req);
    if (!Array.isArray(body.files)) throw new HttpError(400, 'files must be an array');
    const files = body.files.map((f: unknown) => {
      if (!isObject(f) || typeof f.path !== 'string' || typeof f.size !== 'number' || typeof f.sample !== 'string') throw new HttpError(400, 'each file needs path, size and sample');
      const sample = Buffer.from(f.sample, 'base64');
      if (sample.length > 512) throw new HttpError(400, 'sample longer than 512 bytes');
      // The Hub's rule: binary content goes to LFS (a NUL byte, or bytes that are not UTF-8 text).
      const binary = sample.includes(0) || !isUtf8Prefix(sample, f.size <= 512);
      return { path: f.path, uploadMode: binary || f.size >= lfsThreshold ? 'lfs' : 'regular', shouldIgnore: false };
    });
    sendJson(res, 200, { files, commitOid: repo.commits.at(-1)?.oid ?? null });
  }

  async function lfsBatch(req: http.IncomingMessage, res: http.ServerResponse, repo: HubRepo): Promise<void> {
    const accept = req.headers.accept ?? '';
    if (!accept.includes('application/vnd.git-lfs+json')) throw new HttpError(406, 'Accept must be application/vnd.git-lfs+json');
    const body = await readJson(req);
    if (body.operation !== 'upload') throw new HttpError(422, 'only upload is supported');
    if (!Array.isArray(body.transfers) || !body.transfers.every((t) => typeof t === 'string')) throw new HttpError(422, 'transfers must be a list of names');
    state.lfsTransfersOffered.push(body.transfers as string[]);
    if (!body.transfers.includes('basic')) throw new HttpError(422, 'this server only speaks the basic transfer');
    if (body.hash_algo !== undefined && body.hash_algo !== 'sha_256') throw new HttpError(422, 'hash_algo must be sha_256');
    if (!Array.isArray(body.objects)) throw new HttpError(422, 'objects must be an array');
    const objects = body.objects.map((o: unknown) => {
      if (!isObject(o) || typeof o.oid !== 'string' || !OID.test(o.oid) || typeof o.size !== 'number' || !Number.isSafeInteger(o.size) || o.size < 0) {
        throw new HttpError(422, 'each object needs a sha256 oid and a size');
      }
      if (repo.lfs.has(o.oid)) return { oid: o.oid, size: o.size, authenticated: true };
      const slot = randomBytes(16).toString('hex');
      const chunk = options.multipartChunkSize;
      if (chunk !== undefined && o.size > chunk) {
        multiparts.set(slot, { repo, oid: o.oid, size: o.size, chunk, parts: new Map() });
        const header: Record<string, string> = { chunk_size: String(chunk) };
        for (let part = 1; part <= Math.ceil(o.size / chunk); part++) header[String(part).padStart(5, '0')] = `${baseUrl}/lfs-part/${slot}/${part}`;
        return { oid: o.oid, size: o.size, authenticated: true, actions: { upload: { href: `${baseUrl}/lfs-complete/${slot}`, header, expires_in: 3600 } } };
      }
      uploadSlots.set(slot, { repo, oid: o.oid, size: o.size });
      return { oid: o.oid, size: o.size, authenticated: true, actions: { upload: { href: `${baseUrl}/lfs-upload/${slot}`, expires_in: 3600 } } };
    });
    sendJson(res, 200, { transfer: 'basic', objects }, 'application/vnd.git-lfs+json');
  }

  /** Receives an upload, hashing as it goes; a scripted cut pauses, waits for the other uploads, then drops the socket. */
  async function lfsUpload(req: http.IncomingMessage, res: http.ServerResponse, slotId: string): Promise<void> {
    const slot = uploadSlots.get(slotId);
    if (!slot) throw new HttpError(403, 'unknown or expired upload URL');
    state.uploadsStarted.set(slot.oid, (state.uploadsStarted.get(slot.oid) ?? 0) + 1);
    const cut = state.cut && (state.cut.oid === undefined || state.cut.oid === slot.oid) ? state.cut : null;
    if (cut) state.cut = null;
    const stall = takeStall(slot.oid, undefined);
    if (stall) {
      const bytes = await readUpload(req, slot.size, stall);
      if (bytes === null) return;
      slot.repo.lfs.set(slot.oid, bytes);
      uploadSlots.delete(slotId);
      res.writeHead(200, { ETag: `"${slot.oid}"`, 'Content-Length': 0 });
      res.end();
      return;
    }
    const self: { done: Promise<void> | null } = { done: null };
    const received = (async (): Promise<Buffer | null> => {
      const hash = createHash('sha256');
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of req as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > slot.size) throw new HttpError(400, `body is larger than the announced ${slot.size} bytes`);
        hash.update(chunk);
        chunks.push(chunk);
        if (cut && size >= cut.afterBytes) {
          req.pause();
          const others = [...inFlight].filter((p) => p !== self.done);
          await Promise.allSettled(others);
          req.socket.destroy();
          return null;
        }
      }
      if (size !== slot.size) throw new HttpError(400, `body is ${size} bytes, the object is ${slot.size}`);
      if (hash.digest('hex') !== slot.oid) throw new HttpError(400, 'sha256 of the body does not match the oid');
      return Buffer.concat(chunks);
    })();
    const tracked: Promise<void> = received.then(
      () => undefined,
      () => undefined,
    );
    self.done = tracked;
    inFlight.add(tracked);
    try {
      const bytes = await received;
      if (bytes === null) return;
      slot.repo.lfs.set(slot.oid, bytes);
      uploadSlots.delete(slotId);
      res.writeHead(200, { ETag: `"${slot.oid}"`, 'Content-Length': 0 });
      res.end();
    } finally {
      inFlight.delete(tracked);
    }
  }

  /** Whether this upload (a whole object, or one part of it) is to be stalled; counts the stall down. */
  function takeStall(oid: string, part: number | undefined): StallUpload | null {
    const stall = state.stall;
    if (!stall || (stall.oid !== undefined && stall.oid !== oid) || (stall.part !== undefined && stall.part !== part)) return null;
    if (--stall.times <= 0) state.stall = null;
    return stall;
  }

  /** Reads a body of exactly `size` bytes; a stall stops reading and waits for the client to give up (resolves null). */
  async function readUpload(req: http.IncomingMessage, size: number, stall: StallUpload | null): Promise<Buffer | null> {
    const chunks: Buffer[] = [];
    let received = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      received += chunk.length;
      if (received > size) throw new HttpError(400, `body is larger than the announced ${size} bytes`);
      chunks.push(chunk);
      if (stall && received >= stall.afterBytes) {
        req.pause();
        await new Promise((resolve) => req.socket.once('close', resolve));
        return null;
      }
    }
    if (received !== size) throw new HttpError(400, `body is ${received} bytes, expected ${size}`);
    return Buffer.concat(chunks);
  }

  async function lfsPart(req: http.IncomingMessage, res: http.ServerResponse, slotId: string, part: number): Promise<void> {
    const upload = multiparts.get(slotId);
    if (!upload) throw new HttpError(403, 'unknown or expired upload URL');
    const count = Math.ceil(upload.size / upload.chunk);
    if (part < 1 || part > count) throw new HttpError(400, `no part ${part}`);
    const key = `${upload.oid}#${part}`;
    state.partsStarted.set(key, (state.partsStarted.get(key) ?? 0) + 1);
    const size = part < count ? upload.chunk : upload.size - upload.chunk * (count - 1);
    const bytes = await readUpload(req, size, takeStall(upload.oid, part));
    if (bytes === null) return;
    upload.parts.set(part, bytes);
    res.writeHead(200, { ETag: `"${createHash('md5').update(bytes).digest('hex')}"`, 'Content-Length': 0 });
    res.end();
  }

  async function lfsComplete(req: http.IncomingMessage, res: http.ServerResponse, slotId: string): Promise<void> {
    const upload = multiparts.get(slotId);
    if (!upload) throw new HttpError(403, 'unknown or expired upload URL');
    const body = await readJson(req);
    const count = Math.ceil(upload.size / upload.chunk);
    if (body.oid !== upload.oid || !Array.isArray(body.parts) || body.parts.length !== count) throw new HttpError(422, 'completion must name the oid and every part');
    const whole = Buffer.concat(Array.from({ length: count }, (_, i) => upload.parts.get(i + 1) ?? Buffer.alloc(0)));
    if (whole.length !== upload.size || createHash('sha256').update(whole).digest('hex') !== upload.oid) throw new HttpError(422, 'the parts do not make up the object');
    upload.repo.lfs.set(upload.oid, whole);
    multiparts.delete(slotId);
    sendJson(res, 200, {}, 'application/vnd.git-lfs+json');
  }

  async function commit(req: http.IncomingMessage, res: http.ServerResponse, repo: HubRepo): Promise<void> {
    if (!(req.headers['content-type'] ?? '').startsWith('application/x-ndjson')) throw new HttpError(400, 'Content-Type must be application/x-ndjson');
    const lines = (await readBody(req, MAX_COMMIT_BODY)).toString('utf8').split('\n').filter((l) => l.trim() !== '');
    let summary: string | null = null;
    const changes = new Map<string, Buffer | null>();
    for (const [index, line] of lines.entries()) {
      let entry: unknown;
      try {
        entry = JSON.parse(line);
      } catch {
        throw new HttpError(400, `line ${index + 1} is not JSON`);
      }
      if (!isObject(entry) || typeof entry.key !== 'string' || !isObject(entry.value)) throw new HttpError(400, `line ${index + 1} needs key and value`);
      const value = entry.value;
      if (entry.key === 'header') {
        if (index !== 0 || typeof value.summary !== 'string' || value.summary.trim() === '') throw new HttpError(400, 'the first line must be the header with a summary');
        summary = value.summary;
        continue;
      }
      if (typeof value.path !== 'string' || value.path === '' || value.path.startsWith('/') || value.path.split('/').includes('..')) throw new HttpError(400, `line ${index + 1}: invalid path`);
      if (changes.has(value.path)) throw new HttpError(400, `${value.path} appears twice in the commit`);
      if (entry.key === 'file') {
        if (value.encoding !== 'base64' || typeof value.content !== 'string') throw new HttpError(400, `${value.path}: content must be base64`);
        changes.set(value.path, Buffer.from(value.content, 'base64'));
      } else if (entry.key === 'lfsFile') {
        if (value.algo !== 'sha256' || typeof value.oid !== 'string' || typeof value.size !== 'number') throw new HttpError(400, `${value.path}: lfsFile needs algo sha256, oid and size`);
        const object = repo.lfs.get(value.oid);
        if (!object) throw new HttpError(422, `${value.path}: LFS object ${value.oid} was never uploaded`);
        if (object.length !== value.size) throw new HttpError(422, `${value.path}: size does not match the LFS object`);
        changes.set(value.path, object);
      } else if (entry.key === 'deletedFile') {
        changes.set(value.path, null);
      } else {
        throw new HttpError(400, `unknown key ${entry.key}`);
      }
    }
    if (summary === null) throw new HttpError(400, 'missing commit header');
    // All checks passed: apply the whole commit at once.
    for (const [path, bytes] of changes) {
      if (bytes === null) repo.files.delete(path);
      else repo.files.set(path, bytes);
    }
    const oid = createHash('sha1').update(`${repo.id}\n${repo.commits.length}\n${lines.join('\n')}`).digest('hex');
    repo.commits.push({ oid, summary, files: [...changes.keys()] });
    sendJson(res, 200, { success: true, commitOid: oid, commitUrl: `${baseUrl}/datasets/${repo.id}/commit/${oid}`, hookOutput: '' });
  }

  function whoami(req: http.IncomingMessage, res: http.ServerResponse): void {
    authorize(req);
    sendJson(res, 200, {
      type: 'user',
      id: 'user-id',
      name: user,
      fullname: user,
      email: `${user}@example.test`,
      emailVerified: true,
      isPro: false,
      canPay: false,
      avatarUrl: '',
      periodEnd: null,
      billingMode: 'prepaid',
      orgs: [...(options.orgs ?? [])].map((name) => ({ type: 'org', id: `org-${name}`, name, fullname: name, email: null, canPay: false, avatarUrl: '', periodEnd: null })),
      auth: { type: 'access_token', accessToken: { displayName: 'test', role: 'write', createdAt: '2026-01-01T00:00:00.000Z' } },
    });
  }

  /** Which endpoint a request is for (counted), or 'unknown'. */
  function endpointOf(method: string, p: string): HubEndpoint {
    if (method === 'GET' && p === '/api/whoami-v2') return 'whoami';
    if (method === 'POST' && p === '/api/repos/create') return 'create-repo';
    if (method === 'POST' && /^\/api\/datasets\/[^/]+\/[^/]+\/preupload\/[^/]+$/.test(p)) return 'preupload';
    if (method === 'POST' && /^\/datasets\/[^/]+\/[^/]+\.git\/info\/lfs\/objects\/batch$/.test(p)) return 'lfs-batch';
    if (method === 'PUT' && /^\/lfs-upload\/[0-9a-f]{32}$/.test(p)) return 'lfs-upload';
    if (method === 'PUT' && /^\/lfs-part\/[0-9a-f]{32}\/\d+$/.test(p)) return 'lfs-part';
    if (method === 'POST' && /^\/lfs-complete\/[0-9a-f]{32}$/.test(p)) return 'lfs-complete';
    if (method === 'POST' && /^\/api\/datasets\/[^/]+\/[^/]+\/commit\/[^/]+$/.test(p)) return 'commit';
    return 'unknown';
  }

  /** Headers, then a space every intervalMs (JSON allows leading white space) until the client goes away. */
  function trickle(req: http.IncomingMessage, res: http.ServerResponse, intervalMs: number): void {
    req.resume();
    res.writeHead(200, { 'Content-Type': 'application/json' });
    const timer = setInterval(() => res.write(' '), intervalMs);
    res.on('close', () => clearInterval(timer));
  }

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', baseUrl);
    const p = decodeURIComponent(url.pathname);
    const method = req.method ?? 'GET';
    let m: RegExpExecArray | null;
    if (state.trickle && state.trickle.endpoint === endpointOf(method, p)) {
      state.counts[state.trickle.endpoint]++;
      return trickle(req, res, state.trickle.intervalMs);
    }
    if (method === 'PUT' && (m = /^\/lfs-part\/([0-9a-f]{32})\/(\d+)$/.exec(p))) {
      state.counts['lfs-part']++;
      return lfsPart(req, res, m[1]!, Number(m[2]));
    }
    if (method === 'POST' && (m = /^\/lfs-complete\/([0-9a-f]{32})$/.exec(p))) {
      state.counts['lfs-complete']++;
      return lfsComplete(req, res, m[1]!);
    }
    if (method === 'GET' && p === '/api/whoami-v2') {
      state.counts.whoami++;
      return whoami(req, res);
    }
    if (method === 'POST' && p === '/api/repos/create') {
      state.counts['create-repo']++;
      return createRepo(req, res);
    }
    if (method === 'POST' && (m = /^\/api\/datasets\/([^/]+)\/([^/]+)\/preupload\/([^/]+)$/.exec(p))) {
      state.counts.preupload++;
      authorize(req);
      if (m[3] !== 'main') throw new HttpError(404, `Revision not found: ${m[3]}`);
      return preupload(req, res, findRepo(m[1]!, m[2]!));
    }
    if (method === 'POST' && (m = /^\/datasets\/([^/]+)\/([^/]+)\.git\/info\/lfs\/objects\/batch$/.exec(p))) {
      state.counts['lfs-batch']++;
      authorize(req);
      return lfsBatch(req, res, findRepo(m[1]!, m[2]!));
    }
    if (method === 'PUT' && (m = /^\/lfs-upload\/([0-9a-f]{32})$/.exec(p))) {
      state.counts['lfs-upload']++;
      return lfsUpload(req, res, m[1]!);
    }
    if (method === 'POST' && (m = /^\/api\/datasets\/([^/]+)\/([^/]+)\/commit\/([^/]+)$/.exec(p))) {
      state.counts.commit++;
      authorize(req);
      if (m[3] !== 'main') throw new HttpError(404, `Revision not found: ${m[3]}`);
      return commit(req, res, findRepo(m[1]!, m[2]!));
    }
    state.counts.unknown++;
    throw new HttpError(404, `no such endpoint: ${method} ${p}`);
  }

  const server = http.createServer((req, res) => {
    state.requests.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization });
    route(req, res).catch((err: unknown) => {
      if (res.headersSent || req.socket.destroyed) return;
      const status = err instanceof HttpError ? err.status : 500;
      // Drain what the client still sends, so that it reads the answer instead of a reset.
      req.resume();
      sendJson(res, status, { error: err instanceof Error ? err.message : String(err) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: baseUrl,
    get counts() {
      return state.counts;
    },
    get uploadsStarted() {
      return state.uploadsStarted;
    },
    get partsStarted() {
      return state.partsStarted;
    },
    get requests() {
      return state.requests;
    },
    get lfsTransfersOffered() {
      return state.lfsTransfersOffered;
    },
    repo: (id) => repos.get(id),
    cutNextUpload(cut) {
      state.cut = cut;
    },
    stallUploads(stall) {
      state.stall = { ...stall };
    },
    trickleAnswers(trickle) {
      state.trickle = trickle;
    },
    resetCounts() {
      state.counts = zeroCounts();
      state.uploadsStarted = new Map();
      state.partsStarted = new Map();
      state.requests = [];
      state.lfsTransfersOffered = [];
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
