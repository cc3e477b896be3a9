// A minimal client for OpenAI-compatible POST {base}/chat/completions over Node's global fetch (undici).
// It owns everything that can go wrong on the wire: per-attempt timeout, retries with backoff on 429/5xx
// and network failures (Retry-After honoured), cancellation, redirects refused, and answers that are not
// captions (refusal, empty, cut off, malformed) turned into one clear message with the API key redacted.
import { DEFAULT_BACKOFF, abortReason, backoffDelayMs, parseRetryAfterMs, sleep, type BackoffPolicy } from './backoff.js';
import { MAX_CAPTION_CHARS } from '../../limits.js';
import { DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_MS, MAX_CHARS_PER_TOKEN, normalizeBaseUrl, type RemoteEndpointConfig } from './endpoint.js';
import { redactSecrets } from './redact.js';
import { serializeRequest } from './request-body.js';

/** An image's url is a URL string, or a data URL as bytes (see request-body.ts), which is cheaper to send. */
export type ContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string | Uint8Array } };

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string | ContentPart[];
}

export interface CompletionOptions {
  maxTokens: number;
  temperature: number;
}

export type RemoteFailureKind =
  | 'http' // a non-retryable HTTP status, or a retryable one that kept failing
  | 'network'
  | 'timeout'
  | 'redirect'
  | 'malformed'
  | 'refusal'
  | 'empty'
  | 'truncated';

/** One request's final failure. Its message is meant for the user and never contains the API key. */
export class RemoteRequestError extends Error {
  override name = 'RemoteRequestError';
  constructor(
    message: string,
    readonly kind: RemoteFailureKind,
    readonly attempts: number,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Told before each retry, e.g. to show "retrying after HTTP 429" in a progress line. */
export interface RetryNotice {
  attempt: number;
  delayMs: number;
  reason: string;
}

export interface ChatClientOptions extends RemoteEndpointConfig {
  backoff?: BackoffPolicy;
  onRetry?: (notice: RetryNotice) => void;
  /** For tests: replaces Math.random in the jitter. */
  random?: () => number;
}

/** An attempt's failure that another attempt may cure. */
class RetryableFailure extends Error {
  constructor(
    message: string,
    readonly kind: RemoteFailureKind,
    readonly retryAfterMs: number | null,
    readonly status?: number,
  ) {
    super(message);
  }
}

const RETRYABLE_STATUS = new Set([408, 409, 425, 429]);

function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUS.has(status) || status >= 500;
}

/** Removes what chat models wrap around an answer: a <think> block, surrounding whitespace and quotes. */
export function cleanAnswer(text: string): string {
  let out = text.replace(/^\s*<think>[\s\S]*?<\/think>/i, '').trim();
  const quoted = /^(["“'])([\s\S]*)(["”'])$/.exec(out);
  if (quoted && !quoted[2]!.includes(quoted[1]!)) out = quoted[2]!.trim();
  return out;
}

// Answers that decline instead of describing. A caption starting like this would poison a training set.
const TEXT_REFUSAL = /^(I['’]m sorry|I am sorry|Sorry,|I cannot|I can['’]t|I can not|I['’]m unable|I am unable|I['’]m not able|As an AI\b)/i;

function snippet(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** The server's own error message from an OpenAI-style error body, else the start of the body. */
function serverMessage(body: string): string {
  try {
    const json: unknown = JSON.parse(body);
    if (typeof json === 'object' && json !== null && 'error' in json) {
      const error = (json as { error: unknown }).error;
      if (typeof error === 'string') return snippet(error);
      if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') {
        return snippet((error as { message: string }).message);
      }
    }
    if (typeof json === 'object' && json !== null && typeof (json as { message?: unknown }).message === 'string') {
      return snippet((json as { message: string }).message);
    }
  } catch {
    // not JSON: fall through to the raw text
  }
  return snippet(body);
}

function describeNetworkError(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code ? `${code} (${cause.message})` : cause.message;
  }
  return err instanceof Error ? err.message : String(err);
}

interface ParsedAnswer {
  text: string;
  finishReason: string | null;
}

/** Reads choices[0].message of a chat completion; throws RemoteRequestError-ready messages for the rest. */
function readAnswer(body: string): ParsedAnswer | { failure: RemoteFailureKind; message: string } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { failure: 'malformed', message: `the server's answer is not JSON: "${snippet(body, 80)}"` };
  }
  if (typeof json !== 'object' || json === null) return { failure: 'malformed', message: 'the server answered with JSON that is not an object' };
  const obj = json as { choices?: unknown; error?: unknown };
  if (obj.error !== undefined && obj.choices === undefined) {
    return { failure: 'malformed', message: `the server answered with an error: ${serverMessage(body)}` };
  }
  if (!Array.isArray(obj.choices) || obj.choices.length === 0) {
    return { failure: 'malformed', message: 'the server\'s answer has no "choices"; is this an OpenAI-compatible /chat/completions endpoint?' };
  }
  const choice = obj.choices[0] as { message?: unknown; finish_reason?: unknown };
  const finishReason = typeof choice.finish_reason === 'string' ? choice.finish_reason : null;
  const message = choice.message as { content?: unknown; refusal?: unknown } | undefined;
  if (typeof message !== 'object' || message === null) return { failure: 'malformed', message: 'the server\'s answer has no choices[0].message' };
  if (typeof message.refusal === 'string' && message.refusal.trim() !== '') {
    return { failure: 'refusal', message: `the model refused: "${snippet(message.refusal)}"` };
  }
  if (finishReason === 'content_filter') return { failure: 'refusal', message: 'the server\'s content filter withheld the answer' };
  let content: string;
  if (typeof message.content === 'string') content = message.content;
  else if (message.content === null || message.content === undefined) content = '';
  else if (Array.isArray(message.content)) {
    // Some servers answer with content parts; keep the text ones.
    content = message.content
      .map((part: unknown) => (typeof part === 'object' && part !== null && typeof (part as { text?: unknown }).text === 'string' ? (part as { text: string }).text : ''))
      .join('');
  } else return { failure: 'malformed', message: 'choices[0].message.content is neither text nor a list of parts' };
  const text = cleanAnswer(content);
  if (text === '') return { failure: 'empty', message: `the model answered with no text${finishReason ? ` (finish_reason "${finishReason}")` : ''}` };
  if (TEXT_REFUSAL.test(text)) return { failure: 'refusal', message: `the model declined instead of describing: "${snippet(text, 120)}"` };
  return { text, finishReason };
}

export class ChatClient {
  readonly baseUrl: string;
  readonly endpointUrl: string;
  readonly model: string;
  private readonly apiKey: string | undefined;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly backoff: BackoffPolicy;
  private readonly onRetry: ((notice: RetryNotice) => void) | undefined;
  private readonly random: () => number;

  constructor(options: ChatClientOptions) {
    this.baseUrl = normalizeBaseUrl(options.baseUrl);
    this.endpointUrl = `${this.baseUrl}/chat/completions`;
    if (options.model.trim() === '') throw new Error('the remote model name is empty');
    this.model = options.model;
    this.apiKey = options.apiKey && options.apiKey.trim() !== '' ? options.apiKey.trim() : undefined;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.onRetry = options.onRetry;
    this.random = options.random ?? Math.random;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  }

  private readonly maxResponseBytes: number;

  /**
   * The body as text, read up to the byte cap and redacted whole (before anything cuts it short: a key cut
   * in half by a length limit is no longer found). Over the cap: null, and the rest is not read.
   */
  private async readBody(response: Response): Promise<string | null> {
    const reader = response.body?.getReader();
    if (!reader) return '';
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > this.maxResponseBytes) {
        await reader.cancel().catch(() => undefined);
        return null;
      }
      chunks.push(value);
    }
    return this.redact(Buffer.concat(chunks).toString('utf8'));
  }

  /** Hides the key in any text that may leave this process (error messages, logs). */
  redact(text: string): string {
    return redactSecrets(text, [this.apiKey]);
  }

  /**
   * Sends one chat completion and returns the answer's text. Throws RemoteRequestError when it fails for
   * good, or the signal's AbortError when cancelled (in-flight requests are aborted, waits cut short).
   */
  async complete(messages: ChatMessage[], options: CompletionOptions, signal?: AbortSignal): Promise<string> {
    const body = serializeRequest({
      model: this.model,
      messages,
      max_tokens: options.maxTokens,
      temperature: options.temperature,
      stream: false,
    });
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw abortReason(signal);
      try {
        return await this.attempt(attempt, body, options, signal);
      } catch (err) {
        if (signal?.aborted) throw abortReason(signal);
        if (err instanceof RemoteRequestError) throw err;
        if (!(err instanceof RetryableFailure)) throw err;
        if (attempt > this.maxRetries) {
          const tries = attempt === 1 ? '' : ` (gave up after ${attempt} attempts)`;
          throw new RemoteRequestError(this.redact(`${err.message}${tries}`), err.kind, attempt, err.status);
        }
        const fallback = backoffDelayMs(attempt - 1, this.backoff, this.random);
        const delayMs = Math.min(this.backoff.maxDelayMs, err.retryAfterMs ?? fallback);
        this.onRetry?.({ attempt, delayMs, reason: this.redact(err.message) });
        await sleep(delayMs, signal);
      }
    }
  }

  private async attempt(attempt: number, body: Uint8Array<ArrayBuffer>, options: CompletionOptions, signal: AbortSignal | undefined): Promise<string> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    let response: Response;
    let text: string;
    try {
      // redirect: 'manual' so a 3xx never carries the key or the image anywhere but the configured base URL.
      response = await fetch(this.endpointUrl, { method: 'POST', headers, body, signal: combined, redirect: 'manual' });
      const read = await this.readBody(response);
      if (read === null) {
        throw new RemoteRequestError(
          `the answer from ${this.endpointUrl} is larger than ${Math.round(this.maxResponseBytes / 2 ** 20)} MB; a caption is a few KB, so this is not a chat completion (check the endpoint)`,
          'malformed',
          attempt,
          response.status,
        );
      }
      text = read;
    } catch (err) {
      if (err instanceof RemoteRequestError) throw err;
      if (signal?.aborted) throw abortReason(signal);
      if (timeout.aborted) {
        throw new RetryableFailure(`no answer from ${this.endpointUrl} within ${Number((this.timeoutMs / 1000).toFixed(1))} s`, 'timeout', null);
      }
      throw new RetryableFailure(`cannot reach ${this.endpointUrl}: ${describeNetworkError(err)}`, 'network', null);
    }
    const status = response.status;
    if (status >= 300 && status < 400) {
      const location = response.headers.get('location');
      let where = 'elsewhere';
      try {
        if (location) where = new URL(location, this.endpointUrl).origin;
      } catch {
        // an unreadable Location is still a redirect we refuse
      }
      throw new RemoteRequestError(
        this.redact(`${this.endpointUrl} answered with a redirect (HTTP ${status}) to ${where}; Recaption only sends requests to the configured endpoint, so set the endpoint to the final URL`),
        'redirect',
        attempt,
        status,
      );
    }
    if (status < 200 || status >= 300) {
      const message = `HTTP ${status} from ${this.endpointUrl}: ${serverMessage(text) || response.statusText}`;
      if (isRetryableStatus(status)) {
        throw new RetryableFailure(message, 'http', parseRetryAfterMs(response.headers.get('retry-after')), status);
      }
      const hint = status === 401 || status === 403 ? ' (check RECAPTION_API_KEY, or the key stored in VS Code)' : status === 404 ? ' (check the endpoint URL and the model name)' : '';
      throw new RemoteRequestError(this.redact(message + hint), 'http', attempt, status);
    }
    const answer = readAnswer(text);
    if ('failure' in answer) throw new RemoteRequestError(this.redact(answer.message), answer.failure, attempt, status);
    // A token is a few characters; far more than max_tokens allows is not an answer to this request.
    if (answer.text.length > options.maxTokens * MAX_CHARS_PER_TOKEN) {
      throw new RemoteRequestError(
        `the answer is ${answer.text.length} characters, far longer than max_tokens (${options.maxTokens}) allows; the server did not honour the limit`,
        'malformed',
        attempt,
        status,
      );
    }
    // Whatever max_tokens allows, no caption is longer than the one limit every writer keeps.
    if (answer.text.length > MAX_CAPTION_CHARS) {
      throw new RemoteRequestError(`the answer is ${answer.text.length.toLocaleString('en-US')} characters, over the ${MAX_CAPTION_CHARS.toLocaleString('en-US')} a caption may have`, 'malformed', attempt, status);
    }
    if (answer.finishReason === 'length') {
      throw new RemoteRequestError(
        `the answer was cut off at max_tokens (${options.maxTokens}); raise the maximum tokens setting`,
        'truncated',
        attempt,
        status,
      );
    }
    return answer.text;
  }
}
