// How long a push waits for the Hub. A server that answers one byte at a time never trips an idle timer,
// so every request has both: an idle limit (the next sign of life) and a total-time budget; the push as a
// whole has a budget too. Uploads get time in proportion to their size, and a stalled one is tried again
// (one part of a multipart upload at a time: the parts already sent are not sent again).

export interface HubTimeouts {
  /** Longest wait for the next sign of life: the answer's headers, a piece of its body, or a piece of an upload read. */
  idleMs: number;
  /** Total time for one request that is not an upload (headers and body). */
  requestMs: number;
  /** Total time for one upload (a whole file, or one part of a multipart upload): this... */
  uploadBaseMs: number;
  /** ...plus its size at this rate (a slower upload is cut off and tried again). */
  minUploadBytesPerSecond: number;
  /** Tries of one upload that stalled or ran out of time. */
  uploadTries: number;
  /** The whole push: this plus all its bytes at minUploadBytesPerSecond. */
  pushBaseMs: number;
}

export const DEFAULT_HUB_TIMEOUTS: HubTimeouts = {
  idleMs: 60_000,
  requestMs: 120_000,
  uploadBaseMs: 120_000,
  minUploadBytesPerSecond: 64 * 1024,
  uploadTries: 3,
  pushBaseMs: 30 * 60_000,
};

/** The budget of an upload of `bytes` bytes. */
export function uploadBudgetMs(timeouts: HubTimeouts, bytes: number): number {
  return timeouts.uploadBaseMs + (bytes / timeouts.minUploadBytesPerSecond) * 1000;
}

/** The budget of a whole push of `bytes` bytes. */
export function pushBudgetMs(timeouts: HubTimeouts, bytes: number): number {
  return timeouts.pushBaseMs + (bytes / timeouts.minUploadBytesPerSecond) * 1000;
}

/** A request (or the push) that ran out of time. */
export class HubTimeoutError extends Error {
  override name = 'HubTimeoutError';
  constructor(
    message: string,
    /** stalled: no sign of life for idleMs; slow: past its total-time budget; push: the whole push past its budget. */
    readonly kind: 'stalled' | 'slow' | 'push',
  ) {
    super(message);
  }
}

function seconds(ms: number): string {
  return ms >= 10_000 ? `${Math.round(ms / 1000)} s` : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * One request's idle limit and total budget: `touch()` on every sign of life, `stop()` when it is done;
 * on expiry `expire` is called once with the HubTimeoutError. Timers are unref'd: a request the caller
 * stopped reading never keeps the process alive.
 */
export class RequestDeadline {
  private idle: NodeJS.Timeout | null = null;
  private readonly total: NodeJS.Timeout;
  expired: HubTimeoutError | null = null;
  /** Also told of the expiry (whoever reads the answer's body by then). */
  onExpire: ((err: HubTimeoutError) => void) | null = null;

  constructor(
    private readonly host: string,
    private readonly idleMs: number,
    budgetMs: number,
    private readonly expire: (err: HubTimeoutError) => void,
  ) {
    this.total = setTimeout(() => this.fire(new HubTimeoutError(`${host} did not finish answering within ${seconds(budgetMs)}`, 'slow')), budgetMs);
    this.total.unref();
    this.touch();
  }

  touch(): void {
    if (this.expired) return;
    if (this.idle) clearTimeout(this.idle);
    this.idle = setTimeout(() => this.fire(new HubTimeoutError(`${this.host} sent nothing for ${seconds(this.idleMs)}`, 'stalled')), this.idleMs);
    this.idle.unref();
  }

  stop(): void {
    if (this.idle) clearTimeout(this.idle);
    clearTimeout(this.total);
  }

  private fire(err: HubTimeoutError): void {
    if (this.expired) return;
    this.expired = err;
    this.stop();
    this.expire(err);
    this.onExpire?.(err);
  }
}
