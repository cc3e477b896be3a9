// Where a user's pattern runs. A plain search is escaped and runs in linear time, so it runs on the caller's
// thread. A regular expression can backtrack for years (`^(a|a)+$` on a long caption), so the editor runs
// it in a worker with a deadline (pattern-sandbox.ts); the CLI and tests may run it here.
import { runPatternJob, type ReplaceJob, type ReplaceResult, type TestJob, type TestResult } from './pattern-jobs.js';
import { QueryError } from './query-error.js';

export interface PatternRunner {
  test(job: TestJob): Promise<TestResult>;
  replace(job: ReplaceJob): Promise<ReplaceResult>;
}

/** Runs patterns on this thread: for trusted patterns (plain searches, the CLI, tests). */
export const patternsOnThisThread: PatternRunner = {
  test: (job) => Promise.resolve(runPatternJob(job, () => undefined) as TestResult),
  replace: (job) => Promise.resolve(runPatternJob(job, () => undefined) as ReplaceResult),
};

/** A pattern stopped because it ran on one text for longer than the deadline. */
export class PatternCutOffError extends QueryError {
  override name = 'PatternCutOffError';
  constructor(
    readonly ms: number,
    /** The index of the text (or group) in the job it was stuck on. */
    readonly at: number,
    where?: string,
  ) {
    super(
      `the pattern was cut off after ${Math.round(ms)} ms${where ? ` on ${where}` : ''}: it backtracks too much on that text ` +
        '(repeats inside repeats, such as (a|a)+ or (a+)+, can take years on a long caption); simplify it',
    );
  }

  /** The same error, naming what it was stuck on (the caller knows which image the text belongs to). */
  on(where: string): PatternCutOffError {
    return new PatternCutOffError(this.ms, this.at, where);
  }
}
