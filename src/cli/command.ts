import { parseArgs, type ParseArgsConfig } from 'node:util';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CliError } from './cli-error.js';
import { writeErr } from './terminal-text.js';

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

/** parseCommandArgs for a command over one dataset folder: its options, and the folder, checked as readable. */
export async function parseFolderArgs<T extends Options>(args: readonly string[], options: T, help: string) {
  const parsed = parseCommandArgs(args, options, help);
  return { ...parsed, folder: await requireFolder(parsed.positionals, help) };
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

/** The exit code of a run the user stopped (Ctrl-C): 128 + SIGINT, as shells report it. */
export const CANCELLED_EXIT = 130;

/**
 * How the CLI ends on a core error that carries a code (ExportError, ImportError, HubPushError): a
 * cancellation prints its message and returns CANCELLED_EXIT; any other is thrown as a CliError, exit 2
 * for the codes that mean a bad option.
 */
export function codedErrorExit(err: { message: string; code: string }, usageCodes: readonly string[] = []): number {
  if (err.code === 'cancelled') {
    writeErr(`${err.message}\n`);
    return CANCELLED_EXIT;
  }
  throw new CliError(err.message, usageCodes.includes(err.code) ? 2 : 1);
}
