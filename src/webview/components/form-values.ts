// What a vscode-elements control holds when it fires input or change: its value, or whether it is ticked.

export function valueOf(e: Event): string {
  return (e.target as HTMLElement & { value: string }).value;
}

export function checkedOf(e: Event): boolean {
  return (e.target as HTMLElement & { checked?: boolean }).checked === true;
}
