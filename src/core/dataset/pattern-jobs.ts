// What is done with a user's pattern, as plain data and one pure function: the same code runs in the
// pattern worker (pattern-worker.ts, for patterns that could run away) and on the caller's thread (plain
// searches, which cannot). Jobs are batches, so one message carries many texts.
import { escapeRegExp } from '../util/text-patterns.js';
import { replaceBounded } from './bounded-replace.js';
import { QueryError } from './query-error.js';

/** A pattern ready to compile. `literal`: a plain search, escaped: it runs in linear time anywhere. */
export interface PatternSpec {
  source: string;
  flags: string;
  literal: boolean;
}

/** The pattern a user typed: their text, as a regular expression or plain, and the case rule. */
export function patternSpec(text: string, regex: boolean, caseSensitive: boolean, global = false): PatternSpec {
  return { source: regex ? text : escapeRegExp(text), flags: (caseSensitive ? '' : 'i') + (global ? 'g' : '') + 'u', literal: !regex };
}

/** Compiles a pattern; a syntax error is a QueryError whose message is shown to the user. */
export function compilePattern(spec: PatternSpec): RegExp {
  try {
    return new RegExp(spec.source, spec.flags);
  } catch (err) {
    throw new QueryError(`invalid regular expression: ${(err as Error).message}`);
  }
}

/** For each group of texts (a record's searched fields), whether the pattern matches one of them. */
export interface TestJob {
  op: 'test';
  pattern: PatternSpec;
  groups: string[][];
}

/**
 * Each text with the pattern's matches replaced. Stops at the first text whose result passes `maxChars`, or
 * once the results together have grown by more than `maxGrowth` characters.
 */
export interface ReplaceJob {
  op: 'replace';
  pattern: PatternSpec;
  replacement: string;
  texts: string[];
  maxChars: number;
  maxGrowth: number;
}

export type PatternJob = TestJob | ReplaceJob;

export interface TestResult {
  op: 'test';
  /** 1 where the group matched. */
  matched: Uint8Array;
}

export interface ReplaceResult {
  op: 'replace';
  /** The new text, or null where nothing matched (or the job stopped before it). */
  after: (string | null)[];
  /** Where the job stopped: the text, and the length its result reached (or the growth, when `growth`). */
  stopped: { at: number; length: number; growth: boolean } | null;
}

export type PatternJobResult = TestResult | ReplaceResult;

/** Runs a job; `onText` is told the index of each text (or group) before it is looked at. */
export function runPatternJob(job: PatternJob, onText: (at: number) => void): PatternJobResult {
  const re = compilePattern(job.pattern);
  if (job.op === 'test') {
    const matched = new Uint8Array(job.groups.length);
    job.groups.forEach((texts, at) => {
      onText(at);
      if (texts.some((t) => re.test(t))) matched[at] = 1;
    });
    return { op: 'test', matched };
  }
  if (!re.global) throw new QueryError('a replace pattern must be global');
  const after: (string | null)[] = new Array<string | null>(job.texts.length).fill(null);
  let growth = 0;
  for (let at = 0; at < job.texts.length; at++) {
    onText(at);
    const text = job.texts[at]!;
    const result = replaceBounded(text, re, job.replacement, job.pattern.literal, job.maxChars, job.maxGrowth - growth);
    if (typeof result !== 'string') {
      const overCaption = result.over > job.maxChars;
      return { op: 'replace', after, stopped: { at, length: overCaption ? result.over : growth + result.over - text.length, growth: !overCaption } };
    }
    if (result === text) continue;
    growth += result.length - text.length;
    after[at] = result;
  }
  return { op: 'replace', after, stopped: null };
}

/** About how much text one job carries: a few milliseconds of work for an ordinary pattern. */
export const PATTERN_BATCH_CHARS = 1 << 20;
/** Most texts (or groups) one job carries. */
export const PATTERN_BATCH_TEXTS = 4096;
