// The remote endpoint's settings and their validation. The base URL is the one place requests may go:
// the client builds every URL from it and never follows a redirect.

export interface RemoteEndpointConfig {
  /** OpenAI-compatible base URL, e.g. http://gpu01:8000/v1 (vLLM) or http://localhost:11434/v1 (Ollama). */
  baseUrl: string;
  /** Model name as the server knows it (the request's `model` field). */
  model: string;
  /** Bearer token. From SecretStorage (extension) or RECAPTION_API_KEY (CLI); never from settings files. */
  apiKey?: string;
  /** Per-attempt limit for one request, headers and body together. */
  timeoutMs?: number;
  /** Retries after the first attempt on 429, 5xx, timeouts and network errors. */
  maxRetries?: number;
  /** Most bytes of one answer read; a larger (or endless) answer is a malformed one, not retried. */
  maxResponseBytes?: number;
}

export const DEFAULT_TIMEOUT_MS = 120_000;
export const DEFAULT_MAX_RETRIES = 3;
/** Requests in flight at once to one endpoint (captioning and upsampling alike). */
export const DEFAULT_CONCURRENCY = 8;
/** A chat completion with a caption is a few KB; 4 MB leaves room for verbose servers. */
export const DEFAULT_MAX_RESPONSE_BYTES = 4 << 20;
/** An answer longer than max_tokens times this many characters did not honour max_tokens. */
export const MAX_CHARS_PER_TOKEN = 16;

export class EndpointConfigError extends Error {
  override name = 'EndpointConfigError';
}

/**
 * Checks and normalises a base URL: http or https, no credentials in it (they would land in logs and
 * settings; the key goes in RECAPTION_API_KEY), no query or fragment, no trailing slash. A URL that already
 * ends in /chat/completions is cut back to its base, since that is an easy slip to make.
 */
export function normalizeBaseUrl(input: string): string {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    throw new EndpointConfigError(`the endpoint "${input}" is not a URL; expected something like http://localhost:8000/v1`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new EndpointConfigError(`the endpoint must be an http:// or https:// URL, got ${url.protocol}//`);
  }
  if (url.username || url.password) {
    throw new EndpointConfigError('the endpoint URL must not contain a user name or password; put the API key in RECAPTION_API_KEY instead');
  }
  if (url.search || url.hash) throw new EndpointConfigError('the endpoint URL must not have a query string or fragment');
  let pathname = url.pathname.replace(/\/+$/, '');
  pathname = pathname.replace(/\/chat\/completions$/, '');
  return `${url.origin}${pathname}`;
}

/** The endpoint and model as recorded in a caption's `model` field: "host:port/path model". No key, no scheme. */
export function describeEndpointModel(baseUrl: string, model: string): string {
  const url = new URL(normalizeBaseUrl(baseUrl));
  return `${model} @ ${url.host}${url.pathname === '/' ? '' : url.pathname}`;
}
