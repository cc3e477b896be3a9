// A local HTTP server that speaks the OpenAI chat-completions protocol the way vLLM and Ollama do, for
// tests and the throughput bench. It validates every request (path, headers, the Bearer key, the model,
// the message shape, the image part as a decodable base64 JPEG, max_tokens, temperature) and answers 400/401/
// 404 like a real server when something is off. Its failure modes are scripted per request.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';

/** What the server makes of one request once it passed validation. */
export interface ReceivedRequest {
  authorization: string | undefined;
  model: string;
  /** The text parts of the last user message, in order (the prompt). */
  texts: string[];
  image: { mime: string; width: number; height: number; bytes: number; meanRgb: [number, number, number] } | null;
  maxTokens: number | undefined;
  temperature: number | undefined;
}

export type ScriptedReply =
  | { kind: 'ok'; text?: string; delayMs?: number; finishReason?: string }
  | { kind: 'status'; status: number; retryAfter?: string; body?: string }
  /** Accepts the request and never answers (a hung server). */
  | { kind: 'hang' }
  /** Sends 200 headers and part of a body, then stalls. */
  | { kind: 'hang-body' }
  /** Closes the connection without an answer (a network error on the client). */
  | { kind: 'drop' }
  | { kind: 'malformed'; body?: string }
  /** The protocol's refusal field, as OpenAI's models send it. */
  | { kind: 'refusal'; refusal?: string }
  /** A refusal written as the content, as many open models do. */
  | { kind: 'text-refusal' }
  | { kind: 'empty' }
  | { kind: 'redirect'; location: string; status?: number }
  /** A body of `bytes` bytes (JSON-looking padding) with this status. */
  | { kind: 'huge'; bytes: number; status?: number }
  /** A 200 whose body never ends: chunks until the client goes away. */
  | { kind: 'endless' };

export type Responder = (request: ReceivedRequest) => string | Promise<string>;

export interface TestServerOptions {
  /** When set, requests must carry "Authorization: Bearer <apiKey>". */
  apiKey?: string;
  /** When set, the request's model must be this one (else 404 as vLLM answers). */
  model?: string;
  /** Added before every successful answer: a simulated inference time. */
  latencyMs?: number;
  /** Produces the answer text; the default describes the image's mean colour, or expands a text prompt. */
  responder?: Responder;
  /** Path prefix of the API; the base URL is http://127.0.0.1:<port><prefix>. */
  prefix?: string;
  /**
   * Decode every image to measure its mean colour (default true; the default responder needs it). The bench
   * turns it off so that the server's decoding, on the same CPUs, does not count as client overhead; the
   * image's header is still checked.
   */
  inspectPixels?: boolean;
}

const COLOURS: Array<[string, [number, number, number]]> = [
  ['red', [220, 30, 30]],
  ['green', [30, 180, 40]],
  ['blue', [30, 60, 220]],
  ['yellow', [230, 220, 40]],
  ['white', [245, 245, 245]],
  ['black', [15, 15, 15]],
  ['grey', [128, 128, 128]],
  ['orange', [240, 140, 20]],
  ['purple', [130, 40, 170]],
];

/** The nearest named colour: the default responder's caption depends on the image, as a real model's does. */
export function colourName(rgb: readonly [number, number, number]): string {
  let best = COLOURS[0]!;
  let bestDistance = Infinity;
  for (const entry of COLOURS) {
    const d = entry[1].reduce((sum, c, i) => sum + (c - rgb[i]!) ** 2, 0);
    if (d < bestDistance) {
      bestDistance = d;
      best = entry;
    }
  }
  return best[0];
}

export const defaultResponder: Responder = (request) => {
  const prompt = request.texts.join(' ');
  if (request.image) {
    const colour = colourName(request.image.meanRgb);
    if (/short caption/i.test(prompt)) return `A ${colour} square.`;
    return `A ${colour} square fills the ${request.image.width}x${request.image.height} frame on a plain background; there is no text; flat graphic style; one shape in the centre.`;
  }
  // Text only: an upsampling request. Expand the last paragraph (the short caption after its label).
  const last = (request.texts[request.texts.length - 1] ?? '').split('\n\n').pop()!.replace(/^[^:\n]{1,40}:\s*/, '');
  return `A detailed rendering of ${last.replace(/\.$/, '')}, shown in full with its surroundings, colours and lighting described.`;
};

class BadRequest extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function errorBody(message: string, type = 'invalid_request_error'): string {
  return JSON.stringify({ error: { message, type, param: null, code: null } });
}

export class OpenAITestServer {
  readonly requests: ReceivedRequest[] = [];
  /** Requests refused by validation, with the reason: a test asserts this stays empty. */
  readonly rejected: Array<{ status: number; message: string }> = [];
  inFlight = 0;
  maxInFlight = 0;
  /** Requests whose client went away before the server answered (cancelled or timed out). */
  clientAborts = 0;
  /** Every request that reached the handler, valid or not. */
  hits = 0;
  private readonly queue: ScriptedReply[] = [];
  private rule: ((request: ReceivedRequest, index: number) => ScriptedReply | undefined) | null = null;
  private readonly server: http.Server;
  private readonly options: TestServerOptions;
  private readonly hanging = new Set<http.ServerResponse>();

  private constructor(options: TestServerOptions) {
    this.options = options;
    this.server = http.createServer((req, res) => void this.handle(req, res));
  }

  static async start(options: TestServerOptions = {}): Promise<OpenAITestServer> {
    const s = new OpenAITestServer(options);
    await new Promise<void>((resolve) => s.server.listen(0, '127.0.0.1', resolve));
    return s;
  }

  get baseUrl(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}${this.options.prefix ?? '/v1'}`;
  }

  /** The next requests, in arrival order, get these replies; after them, normal answers. */
  enqueue(...replies: ScriptedReply[]): void {
    this.queue.push(...replies);
  }

  /** A reply chosen per request (e.g. by its prompt or image); undefined means a normal answer. */
  setRule(rule: ((request: ReceivedRequest, index: number) => ScriptedReply | undefined) | null): void {
    this.rule = rule;
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async readBody(req: http.IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  private async validate(req: http.IncomingMessage, raw: string): Promise<ReceivedRequest> {
    const prefix = this.options.prefix ?? '/v1';
    if (req.method !== 'POST' || req.url !== `${prefix}/chat/completions`) throw new BadRequest(404, `no route ${req.method} ${req.url}`);
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) throw new BadRequest(400, 'Content-Type must be application/json');
    const authorization = req.headers.authorization;
    if (this.options.apiKey !== undefined && authorization !== `Bearer ${this.options.apiKey}`) {
      // Echo what came in, as careless servers do: the client must keep it out of its own messages.
      throw new BadRequest(401, `Incorrect API key provided: ${authorization ?? '(none)'}`);
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      throw new BadRequest(400, 'body is not JSON');
    }
    if (typeof body.model !== 'string' || body.model === '') throw new BadRequest(400, '"model" is required');
    if (this.options.model !== undefined && body.model !== this.options.model) {
      throw new BadRequest(404, `The model \`${body.model}\` does not exist.`);
    }
    if (body.stream === true) throw new BadRequest(400, 'this test server does not stream');
    const maxTokens = body.max_tokens;
    if (maxTokens !== undefined && (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1)) {
      throw new BadRequest(400, '"max_tokens" must be a positive integer');
    }
    const temperature = body.temperature;
    if (temperature !== undefined && (typeof temperature !== 'number' || temperature < 0 || temperature > 2)) {
      throw new BadRequest(400, '"temperature" must be a number in [0, 2]');
    }
    const messages = body.messages;
    if (!Array.isArray(messages) || messages.length === 0) throw new BadRequest(400, '"messages" must be a non-empty array');
    for (const m of messages) {
      const role = (m as { role?: unknown }).role;
      if (role !== 'system' && role !== 'user' && role !== 'assistant') throw new BadRequest(400, `bad message role ${String(role)}`);
    }
    const last = messages[messages.length - 1] as { role: string; content: unknown };
    if (last.role !== 'user') throw new BadRequest(400, 'the last message must be the user\'s');
    const texts: string[] = [];
    let image: ReceivedRequest['image'] = null;
    const parts = typeof last.content === 'string' ? [{ type: 'text', text: last.content }] : last.content;
    if (!Array.isArray(parts) || parts.length === 0) throw new BadRequest(400, 'user content must be a string or a non-empty list of parts');
    for (const part of parts as Array<Record<string, unknown>>) {
      if (part.type === 'text') {
        if (typeof part.text !== 'string' || part.text.trim() === '') throw new BadRequest(400, 'a text part needs non-empty "text"');
        texts.push(part.text);
      } else if (part.type === 'image_url') {
        const url = (part.image_url as { url?: unknown } | undefined)?.url;
        if (typeof url !== 'string') throw new BadRequest(400, 'image_url.url must be a string');
        const m = /^data:(image\/(?:jpeg|png|webp));base64,/.exec(url.slice(0, 40));
        if (!m) throw new BadRequest(400, 'image_url.url must be a base64 data URL of a JPEG, PNG or WebP');
        if (image) throw new BadRequest(400, 'more than one image in the message');
        const b64 = url.slice(m[0].length);
        const bytes = Buffer.from(b64, 'base64');
        // Strict base64: decoding ignores stray characters, so a round trip must give the same text back.
        if (b64.length === 0 || bytes.toString('base64') !== b64) throw new BadRequest(400, 'image_url.url is not valid base64');
        if (m[1] === 'image/jpeg' && !(bytes[0] === 0xff && bytes[1] === 0xd8)) throw new BadRequest(400, 'the data URL says JPEG but the bytes are not');
        try {
          const img = sharp(bytes);
          const meta = await img.metadata();
          const mean = this.options.inspectPixels === false ? [0, 0, 0] : (await img.stats()).channels.slice(0, 3).map((c) => Math.round(c.mean));
          while (mean.length < 3) mean.push(mean[0]!);
          image = { mime: m[1]!, width: meta.width, height: meta.height, bytes: bytes.length, meanRgb: mean as [number, number, number] };
        } catch (err) {
          throw new BadRequest(400, `the image cannot be decoded: ${(err as Error).message}`);
        }
      } else throw new BadRequest(400, `unknown content part type ${String(part.type)}`);
    }
    if (texts.length === 0) throw new BadRequest(400, 'the user message has no text (prompt)');
    return {
      authorization,
      model: body.model,
      texts,
      image,
      maxTokens: maxTokens as number | undefined,
      temperature: temperature as number | undefined,
    };
  }

  private send(res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body);
  }

  private completion(model: string, content: string | null, finishReason = 'stop', refusal: string | null = null): string {
    return JSON.stringify({
      id: `chatcmpl-${Math.random().toString(36).slice(2)}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [{ index: 0, message: { role: 'assistant', content, refusal }, finish_reason: finishReason, logprobs: null }],
      usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
    });
  }

  private wait(ms: number, res: http.ServerResponse): Promise<void> {
    return new Promise((resolve) => {
      if (ms <= 0) return resolve();
      const timer = setTimeout(resolve, ms);
      res.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.hits++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    let answered = false;
    res.once('finish', () => (answered = true));
    res.once('close', () => {
      this.inFlight--;
      this.hanging.delete(res);
      if (!answered) this.clientAborts++;
    });
    try {
      const raw = await this.readBody(req);
      let request: ReceivedRequest;
      try {
        request = await this.validate(req, raw);
      } catch (err) {
        if (!(err instanceof BadRequest)) throw err;
        this.rejected.push({ status: err.status, message: err.message });
        this.send(res, err.status, errorBody(err.message, err.status === 401 ? 'authentication_error' : 'invalid_request_error'));
        return;
      }
      const index = this.requests.length;
      this.requests.push(request);
      const reply = this.queue.shift() ?? this.rule?.(request, index) ?? { kind: 'ok' };
      await this.reply(reply, request, res);
    } catch (err) {
      this.send(res, 500, errorBody(`test server failure: ${(err as Error).message}`, 'server_error'));
    }
  }

  private async reply(reply: ScriptedReply, request: ReceivedRequest, res: http.ServerResponse): Promise<void> {
    switch (reply.kind) {
      case 'ok': {
        await this.wait(reply.delayMs ?? this.options.latencyMs ?? 0, res);
        const text = reply.text ?? (await (this.options.responder ?? defaultResponder)(request));
        this.send(res, 200, this.completion(request.model, text, reply.finishReason));
        return;
      }
      case 'status': {
        const headers: Record<string, string> = reply.retryAfter !== undefined ? { 'retry-after': reply.retryAfter } : {};
        this.send(res, reply.status, reply.body ?? errorBody(`scripted ${reply.status}`, reply.status >= 500 ? 'server_error' : 'rate_limit_error'), headers);
        return;
      }
      case 'hang':
        this.hanging.add(res);
        return;
      case 'hang-body':
        this.hanging.add(res);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"id":"chatcmpl-stall","choices":[');
        return;
      case 'drop':
        dropConnection(res);
        return;
      case 'malformed':
        this.send(res, 200, reply.body ?? '<html><body>502 Bad Gateway (proxy)</body></html>', { 'content-type': 'text/html' });
        return;
      case 'refusal':
        this.send(res, 200, this.completion(request.model, null, 'stop', reply.refusal ?? "I'm sorry, I can't help with that request."));
        return;
      case 'text-refusal':
        this.send(res, 200, this.completion(request.model, "I'm sorry, but I can't describe this image."));
        return;
      case 'empty':
        this.send(res, 200, this.completion(request.model, ''));
        return;
      case 'redirect':
        res.writeHead(reply.status ?? 307, { location: reply.location });
        res.end();
        return;
      case 'huge': {
        res.writeHead(reply.status ?? 200, { 'content-type': 'application/json' });
        const chunk = Buffer.alloc(64 << 10, 0x20);
        for (let sent = 0; sent < reply.bytes && !res.destroyed; sent += chunk.length) {
          if (!res.write(chunk)) await new Promise((r) => res.once('drain', r).once('close', r));
        }
        res.end();
        return;
      }
      case 'endless': {
        this.hanging.add(res);
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = Buffer.alloc(64 << 10, 0x20);
        const pump = () => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', pump);
        };
        pump();
        return;
      }
    }
  }
}

function dropConnection(res: http.ServerResponse): void {
  res.socket?.destroy();
}
