// The fetch the client is given for a push (its `fetch` option). At the boundary it:
// - counts the bytes of each LFS upload as they are read into the request, for per-file progress (Node's
//   fetch has no upload progress; the client's own progress wrapper needs XMLHttpRequest);
// - refuses URLs that are not http(s): the LFS batch answer names the upload URL, and it is untrusted;
// - bounds every answer's body, since the client reads answers whole with res.json();
// - gives every request an idle limit and a total-time budget (hub-timeouts.ts), and tries a stalled
//   upload again: an upload is one file or one part of a multipart upload, PUT to a URL the batch answer
//   named, so sending it again is safe, and the parts already sent are not sent again. Other requests
//   are not repeated (a commit sent twice could be made twice).
import { LocalFileBlob, type ReadCounter } from './local-file-blob.js';
import { DEFAULT_HUB_TIMEOUTS, HubTimeoutError, RequestDeadline, uploadBudgetMs, type HubTimeouts } from './hub-timeouts.js';

/** No answer of the endpoints a push calls comes near this (the LFS batch answer for 100 files is a few KB). */
export const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/** Wait before trying a stalled upload again (times the try number). */
const RETRY_PAUSE_MS = 500;

export class AnswerTooLargeError extends Error {
  constructor(url: string, limit: number) {
    super(`the answer from ${url} is larger than ${limit} bytes`);
    this.name = 'AnswerTooLargeError';
  }
}

function requestUrl(input: string | URL | Request): URL {
  return new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
}

/** The response with its body cut off (as an error) past `limit` bytes, and each piece counted as a sign of life. */
function watchedAnswer(response: Response, limit: number, deadline: RequestDeadline): Response {
  if (!response.body) {
    deadline.stop();
    return response;
  }
  let seen = 0;
  const url = response.url;
  let fail: ((err: Error) => void) | null = null;
  const body = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      start(controller) {
        fail = (err) => controller.error(err);
      },
      transform(chunk, controller) {
        deadline.touch();
        seen += chunk.byteLength;
        if (seen > limit) {
          deadline.stop();
          controller.error(new AnswerTooLargeError(url, limit));
        } else controller.enqueue(chunk);
      },
      flush() {
        deadline.stop();
      },
    }),
  );
  // A deadline that expires while the body is read ends the read with the HubTimeoutError itself.
  deadline.onExpire = (err) => fail?.(err);
  const watched = new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  // The client quotes res.url in its errors; a constructed Response has none.
  Object.defineProperty(watched, 'url', { value: url });
  return watched;
}

export interface HubFetchOptions {
  onUploadRead: ReadCounter;
  maxAnswerBytes?: number;
  signal?: AbortSignal;
  timeouts?: HubTimeouts;
}

export function createHubFetch(options: HubFetchOptions): typeof fetch {
  const limit = options.maxAnswerBytes ?? MAX_ANSWER_BYTES;
  const timeouts = options.timeouts ?? DEFAULT_HUB_TIMEOUTS;

  async function once(input: string | URL | Request, init: RequestInit | undefined, url: URL, upload: LocalFileBlob | null): Promise<Response> {
    const controller = new AbortController();
    const budget = upload ? uploadBudgetMs(timeouts, upload.size) : timeouts.requestMs;
    const deadline = new RequestDeadline(url.host, timeouts.idleMs, budget, (err) => controller.abort(err));
    // createRepo and whoAmI take no signal: the push's own reaches every request this way.
    const callerSignal = init?.signal ?? options.signal;
    const signal = callerSignal ? AbortSignal.any([controller.signal, callerSignal]) : controller.signal;
    // The file's upload, or one part of a multipart upload (a slice of it): count what the request reads.
    const body = upload
      ? upload.withReadCounter((blob, bytes) => {
          deadline.touch();
          options.onUploadRead(blob, bytes);
        })
      : init?.body;
    let response: Response;
    try {
      response = await fetch(input, { ...init, body, signal });
    } catch (err) {
      deadline.stop();
      throw deadline.expired ?? err;
    }
    // An upload's answer is read for its status and headers only: done once they are here.
    if (upload) {
      deadline.stop();
      return response;
    }
    deadline.touch();
    return watchedAnswer(response, limit, deadline);
  }

  return async (input, init) => {
    const url = requestUrl(input);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`refusing to send a request to a ${url.protocol} URL the server named`);
    const upload = init?.method === 'PUT' && init.body instanceof LocalFileBlob ? init.body : null;
    const tries = upload ? Math.max(1, timeouts.uploadTries) : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await once(input, init, url, upload);
      } catch (err) {
        const callerAborted = (init?.signal ?? options.signal)?.aborted === true;
        if (!(err instanceof HubTimeoutError) || attempt >= tries || callerAborted) {
          if (err instanceof HubTimeoutError && upload && attempt > 1) err.message += ` (the upload was tried ${attempt} times)`;
          throw err;
        }
        await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS * attempt));
      }
    }
  };
}
