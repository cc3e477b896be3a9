// The fetch the client is given for a push (its `fetch` option). It does three things at the boundary:
// - counts the bytes of each LFS upload as they are read into the request, for per-file progress (Node's
//   fetch has no upload progress; the client's own progress wrapper needs XMLHttpRequest);
// - refuses URLs that are not http(s): the LFS batch answer names the upload URL, and it is untrusted;
// - bounds every answer's body, since the client reads answers whole with res.json().
import { LocalFileBlob, type ReadCounter } from './local-file-blob.js';

/** No answer of the endpoints a push calls comes near this (the LFS batch answer for 100 files is a few KB). */
export const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

export class AnswerTooLargeError extends Error {
  constructor(url: string, limit: number) {
    super(`the answer from ${url} is larger than ${limit} bytes`);
    this.name = 'AnswerTooLargeError';
  }
}

function requestUrl(input: string | URL | Request): URL {
  return new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
}

/** The response with its body cut off (as an error) past `limit` bytes. */
function boundedAnswer(response: Response, limit: number): Response {
  if (!response.body) return response;
  let seen = 0;
  const url = response.url;
  const body = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > limit) controller.error(new AnswerTooLargeError(url, limit));
        else controller.enqueue(chunk);
      },
    }),
  );
  const bounded = new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  // The client quotes res.url in its errors; a constructed Response has none.
  Object.defineProperty(bounded, 'url', { value: url });
  return bounded;
}

export function createHubFetch(options: { onUploadRead: ReadCounter; maxAnswerBytes?: number; signal?: AbortSignal }): typeof fetch {
  const limit = options.maxAnswerBytes ?? MAX_ANSWER_BYTES;
  return async (input, init) => {
    const url = requestUrl(input);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`refusing to send a request to a ${url.protocol} URL the server named`);
    let body = init?.body;
    // The file's upload, or one part of a multipart upload (a slice of it): count what the request reads.
    if (init?.method === 'PUT' && body instanceof LocalFileBlob) body = body.withReadCounter(options.onUploadRead);
    // createRepo and whoAmI take no signal: the push's own reaches every request this way.
    const response = await fetch(input, { ...init, body, signal: init?.signal ?? options.signal });
    return boundedAnswer(response, limit);
  };
}
