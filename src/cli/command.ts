import { parseArgs, type ParseArgsConfig } from 'node:util';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CliError } from './cli-error.js';

/** One subcommand: `recaption <name> ...`. Returns the process exit code. */
export interface CliCommand {
  name: string;
  summary: string;
  help: string;
  run(args: readonly string[]): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs with errors turned into one-line usage errors (exit code 2). */
export function parseCommandArgs<T extends Options>(args: readonly string[], options: T, help: string) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n${help}`, 2);
  }
}

/** Resolves the dataset folder argument and checks that it is a readable folder. */
export async function requireFolder(positionals: readonly string[], help: string): Promise<string> {
  if (positionals.length !== 1) throw new CliError(`expected one <folder>, got ${positionals.length}\n${help}`, 2);
  const folder = path.resolve(positionals[0]!);
  let stat;
  try {
    stat = await fs.stat(folder);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new CliError(e.code === 'ENOENT' ? `no such folder: ${folder}` : `cannot read ${folder}: ${e.message}`);
  }
  if (!stat.isDirectory()) throw new CliError(`${folder} is not a folder`);
  try {
    await fs.access(folder, fs.constants.R_OK | fs.constants.X_OK);
  } catch {
    throw new CliError(`cannot read the folder ${folder}: permission denied`);
  }
  return folder;
}

/** An option's value from `allowed`, or undefined when it is not given; a usage error lists the values. */
export function choiceOption<T extends string>(value: string | undefined, name: string, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new CliError(`--${name} must be one of ${allowed.join(', ')}, got "${value}"`, 2);
  return value as T;
}

/** Parses a positive integer option, or throws a usage error naming the option. */
export function intOption(value: string | undefined, name: string, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  // Beyond 2^53 a number is rounded: 99999999999999999999 would become 100000000000000000000.
  if (!/^\s*[+-]?\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min) {
    throw new CliError(`--${name} must be a whole number from ${min} to ${Number.MAX_SAFE_INTEGER}, got "${value}"`, 2);
  }
  return n;
}

/** Ctrl-C aborts `signal` (the work stops cleanly and keeps what is done) until `dispose()`. */
export function abortOnSigint(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onSigint) };
}
