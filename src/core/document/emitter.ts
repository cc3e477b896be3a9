// A minimal typed event emitter for core code (no vscode): the editor adapts it to vscode.EventEmitter.
export interface Disposable {
  dispose(): void;
}

export type Listener<T> = (event: T) => void;

export class Emitter<T> {
  private listeners: Listener<T>[] = [];

  /** Subscribes; dispose() unsubscribes. */
  readonly event = (listener: Listener<T>): Disposable => {
    this.listeners.push(listener);
    return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== listener)) };
  };

  fire(event: T): void {
    // A copy: a listener may unsubscribe while being called.
    for (const l of [...this.listeners]) l(event);
  }

  dispose(): void {
    this.listeners = [];
  }
}
