// How a component tells the app shell what the user asked for: a CustomEvent on its host. Events stay on
// the host unless `composed` (a caption field's events cross the detail pane to reach the shell).

export function emit<T>(from: HTMLElement, type: string, detail: T, composed = false): void {
  from.dispatchEvent(new CustomEvent<T>(type, { detail, bubbles: composed, composed }));
}
