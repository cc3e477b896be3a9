// The Hub's base URL: huggingface.co, or a self-hosted or mirrored Hub named by HF_ENDPOINT (CLI) or
// a user setting (VS Code). The token is sent there, so only a plain http(s) URL is accepted.

export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

/** Why `endpoint` cannot be the Hub's base URL, in one line; null when it can. */
export function hubEndpointProblem(endpoint: string): string | null {
  let url: URL;
  try {
    url = new URL(endpoint.trim());
  } catch {
    return `"${endpoint}" is not a URL; expected e.g. ${DEFAULT_HUB_ENDPOINT}`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `the Hub endpoint must be an http(s) URL, got ${url.protocol}`;
  // A user:password in the URL would be sent along with the token and printed in messages.
  if (url.username || url.password) return 'the Hub endpoint must not contain a user name or password';
  if (url.search || url.hash) return 'the Hub endpoint must not have a query or a fragment';
  return null;
}

/** The endpoint without trailing slashes (the client appends "/api/..."); throws a TypeError with hubEndpointProblem's reason. */
export function normalizeHubEndpoint(endpoint: string | undefined): string {
  if (endpoint === undefined || endpoint.trim() === '') return DEFAULT_HUB_ENDPOINT;
  const problem = hubEndpointProblem(endpoint);
  if (problem) throw new TypeError(problem);
  const url = new URL(endpoint.trim());
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
