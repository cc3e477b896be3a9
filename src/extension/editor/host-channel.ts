// The host end of the editor protocol: dispatches typed requests to handlers, answers each with a result
// or an error reply (never leaves a request hanging), and sends events to the webview.
import type * as vscode from 'vscode';
import {
  checkRequest,
  isWebviewToHost,
  type HostEvent,
  type HostRequests,
  type HostToWebview,
  type RequestMethod,
  type WebviewEvent,
} from '../../shared/protocol.js';

export type RequestHandlers = {
  [M in RequestMethod]: (params: HostRequests[M]['params']) => Promise<HostRequests[M]['result']> | HostRequests[M]['result'];
};

export class HostChannel {
  private disposed = false;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly webview: vscode.Webview,
    private readonly handlers: RequestHandlers,
    private readonly onEvent: (event: WebviewEvent) => void,
  ) {
    this.subscription = webview.onDidReceiveMessage((message: unknown) => void this.receive(message));
  }

  private async receive(message: unknown): Promise<void> {
    if (!isWebviewToHost(message)) return;
    if (message.kind === 'event') {
      this.onEvent(message.event);
      return;
    }
    let reply: HostToWebview;
    const problem = checkRequest(message);
    if (problem !== null) {
      this.send({ kind: 'response', id: message.id, ok: false, error: problem });
      return;
    }
    const handler = this.handlers[message.method] as (params: unknown) => unknown;
    try {
      reply = { kind: 'response', id: message.id, ok: true, result: await handler(message.params) };
    } catch (err) {
      reply = { kind: 'response', id: message.id, ok: false, error: err instanceof Error ? err.message : String(err) };
    }
    this.send(reply);
  }

  post(event: HostEvent): void {
    this.send({ kind: 'event', event });
  }

  private send(message: HostToWebview): void {
    if (!this.disposed) void this.webview.postMessage(message);
  }

  dispose(): void {
    this.disposed = true;
    this.subscription.dispose();
  }
}
