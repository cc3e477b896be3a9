// The remote (OpenAI-compatible) captioner and its HTTP client, for the pipeline, the CLI and the extension.
export { RemoteCaptionBackend, encodeForUpload, DEFAULT_MAX_SIDE, DEFAULT_JPEG_QUALITY, DEFAULT_TEMPERATURE } from './remote-backend.js';
export type { RemoteBackendOptions, RemotePayload } from './remote-backend.js';
export { ChatClient, RemoteRequestError, cleanAnswer } from './openai-client.js';
export type { ChatMessage, ContentPart, CompletionOptions, RetryNotice, ChatClientOptions, RemoteFailureKind } from './openai-client.js';
export { normalizeBaseUrl, describeEndpointModel, EndpointConfigError, DEFAULT_CONCURRENCY, DEFAULT_TIMEOUT_MS, DEFAULT_MAX_RETRIES } from './endpoint.js';
export type { RemoteEndpointConfig } from './endpoint.js';
export { DEFAULT_CAPTION_PROMPTS, DEFAULT_SSC_PROMPT, DEFAULT_DSC_PROMPT, DEFAULT_MAX_TOKENS } from './prompts.js';
export type { CaptionPrompts } from './prompts.js';
export { redactSecrets } from './redact.js';
export { isAbortError } from './backoff.js';
