// A host for the webview's state controller in unit tests: it answers the editor protocol's requests from
// an in-memory list of records the way the editor provider does (pages of the filter's result, find-next,
// edits, bulk reviews), records what the webview sends, and pushes host events. The controller, the page
// cache, the review controller and the multi-selection under test are the real ones.
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { EMPTY_QUERY, isUnreviewed, type HostEvent, type HostRequests, type RecordQuery, type RecordView, type RequestMethod, type WebviewEvent } from '../../src/shared/protocol.js';
import type { EditorChannel } from '../../src/webview/state/rpc.js';
import { EditorController } from '../../src/webview/state/editor-controller.js';

export function record(i: number, reviewed = false): RecordView {
  const review = reviewed ? 'approved' : null;
  return {
    fileName: `img-${i}.png`, index: i, width: 8, height: 8, alt: null, error: null, missing: false, image: `img-${i}`, thumb: null, flags: [],
    ssc: { text: `short ${i}`, by: 'model', model: 'm', review },
    dsc: { text: `long ${i}`, by: 'model', model: 'm', review },
  };
}

export class TestHost implements EditorChannel {
  readonly requests: { method: RequestMethod; params: unknown }[] = [];
  readonly sent: WebviewEvent[] = [];
  state: unknown;
  private readonly listeners = new Set<(event: HostEvent) => void>();

  constructor(public records: RecordView[]) {}

  /** The records the query shows: a text filter over the SSC, as far as these tests need one. */
  private result(query: RecordQuery): RecordView[] {
    return this.records.filter((r) => query.text === '' || (r.ssc?.text ?? '').includes(query.text));
  }

  async request<M extends RequestMethod>(method: M, params: HostRequests[M]['params']): Promise<HostRequests[M]['result']> {
    this.requests.push({ method, params });
    const answer = (result: unknown) => result as HostRequests[M]['result'];
    const p = params as Record<string, unknown>;
    switch (method) {
      case 'init':
        return answer({ folderName: 'photos', manifestName: 'recaption.jsonl', total: this.records.length, counts: null, problems: [], readOnly: false, loading: false, layout: { layout: 'list', tileSize: 140 } });
      case 'page': {
        const all = this.result(p.query as RecordQuery);
        const offset = p.offset as number;
        if ((p.query as RecordQuery).text === '(') return answer({ total: 0, offset, records: [], error: 'bad regex' });
        return answer({ total: all.length, offset, records: all.slice(offset, offset + (p.limit as number)), error: null });
      }
      case 'findNext': {
        const all = this.result(p.query as RecordQuery);
        const direction = p.direction as 1 | -1;
        for (let i = (p.from as number) + direction; i >= 0 && i < all.length; i += direction) if (isUnreviewed(all[i]!)) return answer({ position: i });
        return answer({ position: null });
      }
      case 'edit':
        return answer({ applied: true });
      case 'bulkReview':
        return answer({ changed: 6, kept: 0 });
      case 'thumbnails':
        return answer(Object.fromEntries((p.fileNames as string[]).map((f) => [f, `thumb:${f}`])));
      default:
        throw new Error(`the test host does not answer ${method}`);
    }
  }

  send(event: WebviewEvent): void {
    this.sent.push(event);
  }

  onEvent(listener: (event: HostEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  getState<T>(): T | undefined {
    return this.state as T | undefined;
  }

  setState<T>(state: T): void {
    this.state = state;
  }

  /** A host event, as the provider posts it. */
  push(event: HostEvent): void {
    for (const l of this.listeners) l(event);
  }

  /** The requests of one method, in order. */
  asked<M extends RequestMethod>(method: M): HostRequests[M]['params'][] {
    return this.requests.filter((r) => r.method === method).map((r) => r.params as HostRequests[M]['params']);
  }
}

/** The element the controller lives in: counts renders; every render completes at once. */
export class TestElement implements ReactiveControllerHost {
  renders = 0;
  readonly controllers: ReactiveController[] = [];
  addController(c: ReactiveController): void {
    this.controllers.push(c);
  }
  removeController(): void {}
  requestUpdate(): void {
    this.renders++;
  }
  get updateComplete(): Promise<boolean> {
    return Promise.resolve(true);
  }
}

/** Lets the host's answers and the controller's follow-ups run. */
export const settle = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A started controller over `records`, with what it revealed on screen. */
export async function startEditor(records: RecordView[], saved?: { selectedFile: string | null; query: Partial<RecordQuery> }) {
  const host = new TestHost(records);
  host.state = saved;
  const element = new TestElement();
  const revealed: { position: number; focus: boolean }[] = [];
  const editor = new EditorController(element, host, { reveal: (position, focus) => revealed.push({ position, focus }) });
  editor.hostConnected();
  await settle();
  return { host, element, editor, revealed };
}

export { EMPTY_QUERY };
