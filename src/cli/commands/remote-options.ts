// The remote-endpoint options shared by `recaption upsample` and `recaption caption --backend openai`,
// and the --shard option of `recaption caption`.
// The API key only ever comes from the environment (RECAPTION_API_KEY), never from a flag, which would
// land in shell history and process listings.
import { promises as fs } from 'node:fs';
import { CliError } from '../cli-error.js';
import { intOption } from '../command.js';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_MAX_RETRIES,
  DEFAULT_MAX_SIDE,
  DEFAULT_TIMEOUT_MS,
  EndpointConfigError,
  RemoteCaptionBackend,
  normalizeBaseUrl,
  type ChatClientOptions,
} from '../../core/captioner/remote/index.js';
import { parseShardSpec, ShardSpecError, type ShardSpec } from '../../core/dataset/shard.js';
import { writeErr } from '../terminal-text.js';

export const API_KEY_ENV = 'RECAPTION_API_KEY';

/** parseArgs options for the endpoint; spread into a command's own options. */
export const remoteOptionSpec = {
  endpoint: { type: 'string' },
  'remote-model': { type: 'string' },
  concurrency: { type: 'string' },
  timeout: { type: 'string' },
  retries: { type: 'string' },
  'max-tokens': { type: 'string' },
  temperature: { type: 'string' },
} as const;

export const remoteOptionHelp = `  --endpoint URL        OpenAI-compatible base URL, e.g. http://localhost:8000/v1 (vLLM),
                        http://localhost:11434/v1 (Ollama), http://localhost:1234/v1 (LM Studio)
  --remote-model NAME   the model name the server knows (the request's "model")
  --concurrency N       requests in flight at once (default ${DEFAULT_CONCURRENCY})
  --timeout S           seconds per request attempt (default ${DEFAULT_TIMEOUT_MS / 1000})
  --retries N           retries on 429, 5xx, timeouts and network errors (default ${DEFAULT_MAX_RETRIES})
  --max-tokens N        answer length limit
  --temperature T       sampling temperature, 0 to 2
  The API key, if the server needs one, is read from the ${API_KEY_ENV} environment variable.`;

export interface RemoteOptionValues {
  endpoint?: string;
  'remote-model'?: string;
  concurrency?: string;
  timeout?: string;
  retries?: string;
  'max-tokens'?: string;
  temperature?: string;
}

export interface RemoteCliConfig {
  endpoint: ChatClientOptions;
  concurrency: number;
  maxTokens: number | undefined;
  temperature: number | undefined;
}

export function readRemoteOptions(values: RemoteOptionValues, env: NodeJS.ProcessEnv = process.env): RemoteCliConfig {
  if (!values.endpoint) throw new CliError('--endpoint URL is required (e.g. http://localhost:8000/v1)', 2);
  if (!values['remote-model']) throw new CliError('--remote-model NAME is required (the model name the server serves)', 2);
  let baseUrl: string;
  try {
    baseUrl = normalizeBaseUrl(values.endpoint);
  } catch (err) {
    if (err instanceof EndpointConfigError) throw new CliError(`--endpoint: ${err.message}`, 2);
    throw err;
  }
  let temperature: number | undefined;
  if (values.temperature !== undefined) {
    temperature = Number(values.temperature);
    if (!Number.isFinite(temperature) || temperature < 0 || temperature > 2) throw new CliError(`--temperature must be a number from 0 to 2, got "${values.temperature}"`, 2);
  }
  const apiKey = env[API_KEY_ENV]?.trim() || undefined;
  return {
    endpoint: {
      baseUrl,
      model: values['remote-model'],
      apiKey,
      timeoutMs: intOption(values.timeout, 'timeout', DEFAULT_TIMEOUT_MS / 1000, 1) * 1000,
      maxRetries: intOption(values.retries, 'retries', DEFAULT_MAX_RETRIES, 0),
      onRetry: (notice) => {
        if (env.RECAPTION_DEBUG) writeErr(`retry ${notice.attempt} in ${notice.delayMs} ms: ${notice.reason}\n`);
      },
    },
    concurrency: intOption(values.concurrency, 'concurrency', DEFAULT_CONCURRENCY, 1),
    maxTokens: values['max-tokens'] === undefined ? undefined : intOption(values['max-tokens'], 'max-tokens', 0, 1),
    temperature,
  };
}

/** Reads a text file named by an option, with a one-line error naming the option. */
export async function readTextOption(file: string | undefined, option: string): Promise<string | undefined> {
  if (file === undefined) return undefined;
  try {
    const text = (await fs.readFile(file, 'utf8')).trim();
    if (text === '') throw new CliError(`--${option}: ${file} is empty`, 2);
    return text;
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`--${option}: cannot read ${file}: ${(err as Error).message}`, 2);
  }
}

/** parseArgs options of `recaption caption` for the remote backend, on top of remoteOptionSpec. */
export const remoteCaptionOptionSpec = {
  ...remoteOptionSpec,
  'max-side': { type: 'string' },
  'ssc-prompt-file': { type: 'string' },
  'dsc-prompt-file': { type: 'string' },
} as const;

export const remoteCaptionOptionHelp = `${remoteOptionHelp}
  --max-side N          longest side of the uploaded image in pixels (default ${DEFAULT_MAX_SIDE})
  --ssc-prompt-file F   replace the built-in SSC prompt with the text in F (same for --dsc-prompt-file)`;

export interface RemoteCaptionOptionValues extends RemoteOptionValues {
  'max-side'?: string;
  'ssc-prompt-file'?: string;
  'dsc-prompt-file'?: string;
}

/** The remote captioner as `recaption caption --backend openai ...` describes it. */
export async function remoteBackendFromCli(values: RemoteCaptionOptionValues, maxPixels: number): Promise<RemoteCaptionBackend> {
  const remote = readRemoteOptions(values);
  const ssc = await readTextOption(values['ssc-prompt-file'], 'ssc-prompt-file');
  const dsc = await readTextOption(values['dsc-prompt-file'], 'dsc-prompt-file');
  try {
    return new RemoteCaptionBackend({
      ...remote.endpoint,
      concurrency: remote.concurrency,
      maxTokens: remote.maxTokens === undefined ? undefined : { ssc: remote.maxTokens, dsc: remote.maxTokens },
      temperature: remote.temperature,
      maxSide: intOption(values['max-side'], 'max-side', DEFAULT_MAX_SIDE, 16),
      maxPixels,
      prompts: { ssc, dsc },
    });
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err), 2);
  }
}

/** Parses --shard i/N into a usage error on bad input. */
export function shardFromCli(value: string | undefined): ShardSpec | null {
  if (value === undefined) return null;
  try {
    return parseShardSpec(value);
  } catch (err) {
    if (err instanceof ShardSpecError) throw new CliError(err.message, 2);
    throw err;
  }
}
