// What a push failure tells the user: one line that says what happened and what to do. The client
// (@huggingface/hub) throws HubApiError for HTTP errors (statusCode, and a message built from the server's
// JSON "error" plus the request URL), a TypeError "fetch failed" with the socket error as its cause when
// the network fails, and an AbortError when cancelled. Server text is untrusted: it is cut to one short
// line and the token is scrubbed from it, whatever the server or the client echoed.
import { HubApiError, InvalidApiResponseFormatError } from '@huggingface/hub';
import { redactSecret } from './secret-redaction.js';
import { HubTimeoutError } from './hub-timeouts.js';

export type HubPushErrorCode = 'bad-repo' | 'unauthorized' | 'forbidden' | 'not-found' | 'network' | 'timeout' | 'cancelled' | 'server' | 'bad-folder';

export class HubPushError extends Error {
  constructor(
    message: string,
    readonly code: HubPushErrorCode,
  ) {
    super(message);
    this.name = 'HubPushError';
  }
}

/** How to set a token, for the messages of a refused one (the CLI and VS Code each pass their own). */
export const DEFAULT_TOKEN_ADVICE = 'set a valid token with write access (CLI: the HF_TOKEN environment variable; VS Code: the command "Recaption: Set Hugging Face Token")';

/** Where in the push a failure happened, for the message. */
export type PushStage = 'creating the repo' | 'checking which files go to LFS' | 'uploading large files' | 'committing';

export interface ErrorContext {
  token: string;
  endpoint: string;
  repo: string;
  stage: PushStage;
  tokenAdvice: string;
  signal?: AbortSignal;
  /** Aborted when the whole push ran past its time budget. */
  budget?: { signal: AbortSignal; ms: number };
}

const MAX_SERVER_TEXT = 300;

/** `text` without the token in any form (see secret-redaction.ts) nor any other Bearer credential or Hub token. */
function withoutSecrets(text: string, token: string): string {
  return redactSecret(text, token)
    .replace(/(Bearer\s+)\S+/gi, '$1***')
    .replace(/\bhf_[A-Za-z0-9]{8,}\b/g, 'hf_***');
}

/** `text` without secrets (withoutSecrets), on one line, at most MAX_SERVER_TEXT characters. */
export function scrubSecret(text: string, token: string): string {
  let out = withoutSecrets(text, token);
  out = out.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
  return out.length > MAX_SERVER_TEXT ? `${out.slice(0, MAX_SERVER_TEXT)}…` : out;
}

/** The server's own words from a HubApiError, without the "URL: ..." trailer the client appends. */
function serverText(err: HubApiError, token: string): string {
  const data = err.data;
  const fromData = data && typeof data === 'object' && !Array.isArray(data) ? (data['error'] ?? data['message']) : undefined;
  const text = typeof fromData === 'string' && fromData.trim() ? fromData : err.message.replace(/\.\s*URL: .*$/s, '');
  return scrubSecret(text, token);
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'ECONNABORTED',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED', 'UND_ERR_ABORTED',
]);

/** The errors an error was caused by, itself first (bounded: a cause chain can loop). */
function causes(err: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = err;
  while (current !== undefined && current !== null && chain.length < 8 && !chain.includes(current)) {
    chain.push(current);
    current = current instanceof Error ? current.cause : undefined;
  }
  return chain;
}

function errnoCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const code = (err as { code: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || errnoCode(err) === 'ABORT_ERR');
}

/** The network failure's code (ECONNRESET, ...), or null when `err` is not a network failure. */
function networkCode(err: unknown): string | null {
  for (const e of causes(err)) {
    const code = errnoCode(e);
    if (code && NETWORK_CODES.has(code)) return code;
  }
  // undici's "fetch failed" without a known code is still a failed connection.
  if (err instanceof TypeError && err.message === 'fetch failed') return errnoCode(err.cause) ?? 'connection failed';
  return null;
}

const RESUME_HINT = 'Run the push again to resume (large files already uploaded are not sent again).';
const RESUME_NOTE = `Nothing on the Hub was changed by the incomplete commit. ${RESUME_HINT}`;
/** After a commit request whose answer never came: it may have been made. */
const UNKNOWN_COMMIT_NOTE = 'The commit may or may not have been made: look at the repo, then run the push again if it is not there (files already on the Hub are not sent again).';

function timeoutError(what: string, ctx: ErrorContext): HubPushError {
  const where = `datasets/${ctx.repo} on ${ctx.endpoint}`;
  return new HubPushError(`Gave up on the Hub while ${ctx.stage} for ${where}: ${what}. ${ctx.stage === 'committing' ? UNKNOWN_COMMIT_NOTE : RESUME_NOTE}`, 'timeout');
}

/** Any failure of a push as a HubPushError with a message that says what to do, and no secret in any form. */
export function toHubPushError(err: unknown, ctx: ErrorContext): HubPushError {
  const mapped = describeFailure(err, ctx);
  return new HubPushError(withoutSecrets(mapped.message, ctx.token), mapped.code);
}

function describeFailure(err: unknown, ctx: ErrorContext): HubPushError {
  for (const e of causes(err)) if (e instanceof HubPushError) return new HubPushError(scrubSecret(e.message, ctx.token), e.code);
  const where = `datasets/${ctx.repo} on ${ctx.endpoint}`;
  if (ctx.budget?.signal.aborted && !ctx.signal?.aborted) return timeoutError(`the push took longer than its budget of ${Math.round(ctx.budget.ms / 1000)} s`, ctx);
  const timeout = causes(err).find((e): e is HubTimeoutError => e instanceof HubTimeoutError);
  if (timeout && !ctx.signal?.aborted) return timeoutError(timeout.message, ctx);
  if (ctx.signal?.aborted || causes(err).some(isAbort)) {
    return new HubPushError(`Push to ${where} cancelled while ${ctx.stage}; nothing was committed. ${RESUME_HINT}`, 'cancelled');
  }
  if (err instanceof HubApiError) {
    const said = serverText(err, ctx.token);
    const status = `${err.statusCode}${said ? ` ${said}` : ''}`;
    if (err.statusCode === 401) return new HubPushError(`The Hub at ${ctx.endpoint} refused the token (${status}): ${ctx.tokenAdvice}.`, 'unauthorized');
    if (err.statusCode === 403) {
      return new HubPushError(`The token may not write to ${where} (${status}): use a token with write access to ${ctx.repo.split('/')[0]} (a fine-grained token needs write permission on this repo), or push to a namespace you own.`, 'forbidden');
    }
    if (err.statusCode === 404) return new HubPushError(`${where} was not found (${status}): check the repo id, and that the token's user may see and create repos in ${ctx.repo.split('/')[0]}.`, 'not-found');
    return new HubPushError(`The Hub answered ${status} while ${ctx.stage} for ${where}. ${RESUME_NOTE}`, 'server');
  }
  const network = networkCode(err);
  if (network) return new HubPushError(`Lost the connection to ${ctx.endpoint} while ${ctx.stage} (${network}). ${RESUME_NOTE}`, 'network');
  if (err instanceof InvalidApiResponseFormatError) {
    return new HubPushError(`The Hub at ${ctx.endpoint} gave an unexpected answer while ${ctx.stage}: ${scrubSecret(err.message, ctx.token)}. ${RESUME_NOTE}`, 'server');
  }
  const message = err instanceof Error ? err.message : String(err);
  return new HubPushError(`Push to ${where} failed while ${ctx.stage}: ${scrubSecret(message, ctx.token)}. ${RESUME_NOTE}`, 'server');
}
