// The webview end of the editor protocol: typed requests with ids and a timeout, events both ways.
import {
  REQUEST_TIMEOUT_MS,
  isHostToWebview,
  type HostEvent,
  type HostRequests,
  type RequestMethod,
  type WebviewEvent,
  type WebviewToHost,
} from '../../shared/protocol.js';

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export class RequestError extends Error {
  override name = 'RequestError';
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * The editor's end of the protocol as the state controller, the page cache and the panels use it:
 * WebviewChannel is the one in the webview; a test gives its own host.
 */
export interface EditorChannel {
  request<M extends RequestMethod>(method: M, params: HostRequests[M]['params'], timeoutMs?: number): Promise<HostRequests[M]['result']>;
  send(event: WebviewEvent): void;
  onEvent(listener: (event: HostEvent) => void): () => void;
  getState<T>(): T | undefined;
  setState<T>(state: T): void;
}

export class WebviewChannel implements EditorChannel {
  private readonly api: VsCodeApi = acquireVsCodeApi();
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(event: HostEvent) => void>();

  constructor() {
    window.addEventListener('message', (e: MessageEvent<unknown>) => this.receive(e.data));
  }

  request<M extends RequestMethod>(method: M, params: HostRequests[M]['params'], timeoutMs = REQUEST_TIMEOUT_MS): Promise<HostRequests[M]['result']> {
    const id = this.nextId++;
    return new Promise<HostRequests[M]['result']>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RequestError(`${method} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      this.api.postMessage({ kind: 'request', id, method, params });
    });
  }

  send(event: WebviewEvent): void {
    this.api.postMessage({ kind: 'event', event });
  }

  onEvent(listener: (event: HostEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  getState<T>(): T | undefined {
    return this.api.getState() as T | undefined;
  }

  setState<T>(state: T): void {
    this.api.setState(state);
  }

  private receive(data: unknown): void {
    if (!isHostToWebview(data)) return;
    if (data.kind === 'event') {
      for (const l of this.listeners) l(data.event);
      return;
    }
    const p = this.pending.get(data.id);
    if (!p) return;
    this.pending.delete(data.id);
    clearTimeout(p.timer);
    if (data.ok) p.resolve(data.result);
    else p.reject(new RequestError(data.error));
  }
}
