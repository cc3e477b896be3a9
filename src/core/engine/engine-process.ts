// The caller's side of the engine: starts the engine process (Node's child_process.fork, the same way from
// the extension host and the CLI; inside VS Code the host's own executable runs as plain Node with
// ELECTRON_RUN_AS_NODE), sends checked requests, and checks every reply. The process dying (killed, a
// native abort, a GPU driver taking it down) fails every request in flight with EngineStoppedError, which
// carries the engine's last words from stderr; nothing in this process is harmed.
import { fork, type ChildProcess } from 'node:child_process';
import { engineEntry, type EngineEntry } from './engine-entry.js';
import { checkReply, checkResult, ProtocolError, type EngineRequest, type EngineResults } from './protocol.js';

export class EngineStoppedError extends Error {
  override name = 'EngineStoppedError';
}

export interface EngineStartOptions {
  /** Variables for the engine on top of this process's (CUDA library paths). */
  env?: NodeJS.ProcessEnv;
  /** The engine's stderr, line by line (ONNX Runtime's warnings); default: this process's stderr. */
  onStderr?: (line: string) => void;
  /** A device change mid-run. */
  onNotice?: (message: string, device: string) => void;
  entry?: EngineEntry;
  /** How long the engine may take to start (default 60 s). */
  startTimeoutMs?: number;
}

type RequestBody = EngineRequest extends infer R ? (R extends EngineRequest ? Omit<R, 'id'> : never) : never;

interface Pending {
  type: EngineRequest['type'];
  resolve(value: unknown): void;
  reject(err: Error): void;
  onProgress?: (message: string) => void;
}

/** Lines of the engine's stderr kept to explain a crash. */
const LAST_WORDS = 6;

/** How long a failed write waits for the process's exit to say why it failed. */
const EXIT_AFTER_WRITE_ERROR_MS = 1000;

export class EngineProcess {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stopped: EngineStoppedError | null = null;
  private readonly lastWords: string[] = [];
  /** Resolves when the process has exited, with how. */
  readonly exited: Promise<string>;

  private constructor(
    private readonly child: ChildProcess,
    private readonly options: EngineStartOptions,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        const how = signal ? `killed by ${signal}` : `exit code ${code}`;
        const words = this.lastWords.length ? `; it said: ${this.lastWords.join(' | ').slice(0, 1200)}` : '';
        this.stop(new EngineStoppedError(`the engine process stopped (${how})${words}`));
        resolve(how);
      });
    });
    child.on('message', (raw) => this.receive(raw));
    child.on('error', (err) => this.stop(new EngineStoppedError(`the engine process failed: ${err.message}`)));
    let partial = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.trim()) continue;
        this.lastWords.push(line.slice(0, 400));
        if (this.lastWords.length > LAST_WORDS) this.lastWords.shift();
        (options.onStderr ?? ((l: string) => process.stderr.write(`${l}\n`)))(line);
      }
    });
  }

  /** Starts the engine and waits until it says it is ready. */
  static async start(options: EngineStartOptions = {}): Promise<EngineProcess> {
    const entry = options.entry ?? engineEntry();
    const child = fork(entry.script, [], {
      execArgv: entry.execArgv,
      env: { ...process.env, ...options.env, ELECTRON_RUN_AS_NODE: '1' },
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    const engine = new EngineProcess(child, options);
    await engine.ready(options.startTimeoutMs ?? 60_000);
    return engine;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  private readyWaiter: { resolve(): void; reject(err: Error): void } | null = null;

  private ready(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.kill();
        reject(new EngineStoppedError(`the engine process did not start within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.readyWaiter = {
        resolve: () => (clearTimeout(timer), resolve()),
        reject: (err) => (clearTimeout(timer), reject(err)),
      };
    });
  }

  private receive(raw: unknown): void {
    let reply;
    try {
      reply = checkReply(raw);
    } catch (err) {
      // A peer that breaks the protocol cannot be trusted with the rest of the run.
      this.stop(new EngineStoppedError(`the engine sent a malformed message (${(err as Error).message})`));
      this.kill();
      return;
    }
    switch (reply.type) {
      case 'ready':
        this.readyWaiter?.resolve();
        this.readyWaiter = null;
        return;
      case 'notice':
        this.options.onNotice?.(reply.message, reply.device);
        return;
      case 'progress':
        this.pending.get(reply.id)?.onProgress?.(reply.message);
        return;
      case 'result':
      case 'error': {
        const waiter = this.pending.get(reply.id);
        if (!waiter) return;
        this.pending.delete(reply.id);
        if (reply.type === 'error') {
          const err = new Error(reply.message);
          err.name = reply.name;
          waiter.reject(err);
          return;
        }
        try {
          waiter.resolve(checkResult(waiter.type, reply.value));
        } catch (err) {
          waiter.reject(err instanceof ProtocolError ? new ProtocolError(`the engine's answer to ${waiter.type}: ${err.message}`) : (err as Error));
        }
      }
    }
  }

  private stop(err: EngineStoppedError): void {
    if (this.stopped) return;
    this.stopped = err;
    this.readyWaiter?.reject(err);
    this.readyWaiter = null;
    for (const waiter of this.pending.values()) waiter.reject(err);
    this.pending.clear();
  }

  /** Sends a request and resolves with its checked result. */
  request<K extends EngineRequest['type']>(body: Extract<RequestBody, { type: K }>, onProgress?: (message: string) => void): Promise<EngineResults[K]> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    return new Promise<EngineResults[K]>((resolve, reject) => {
      this.pending.set(id, { type: body.type, resolve: resolve as (v: unknown) => void, reject, onProgress });
      this.child.send({ ...body, id }, (err) => {
        if (!err || !this.pending.has(id)) return;
        // A write fails when the process is gone or going (EPIPE): its exit, due at once, says why (killed,
        // crashed, its last words) and fails the request; the pipe's error is the answer only without one.
        const unreachable = new EngineStoppedError(`could not reach the engine process: ${err.message}`);
        const timer = setTimeout(() => {
          if (this.pending.delete(id)) reject(this.stopped ?? unreachable);
        }, EXIT_AFTER_WRITE_ERROR_MS);
        void this.exited.finally(() => clearTimeout(timer));
      });
    });
  }

  /** Ends the process at once (SIGKILL): for a cancel the engine does not answer in time, or a hang. */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  /** Asks the engine to release its models and exit; kills it when it has not exited after `graceMs`. */
  async shutdown(graceMs = 2000): Promise<void> {
    if (!this.stopped && this.child.connected) void this.request({ type: 'shutdown' }).catch(() => undefined);
    const timer = setTimeout(() => this.kill(), graceMs);
    try {
      await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
