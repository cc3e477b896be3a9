// LLM caption upsampling over an OpenAI-compatible chat endpoint.
export { upsampleStore, upsampleText, DEFAULT_UPSAMPLE_SOURCE } from './upsample.js';
export type { UpsampleOptions, UpsampleReport, UpsampleSource, UpsampleRedo, UpsampleFailure } from './upsample.js';
export { DEFAULT_UPSAMPLE_INSTRUCTION, DEFAULT_UPSAMPLE_MAX_TOKENS, DEFAULT_UPSAMPLE_TEMPERATURE, upsampleMessage } from './prompts.js';
