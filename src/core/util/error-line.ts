// One line of an error for a record, a notice or a device line: the first line of its message, bounded.

export function errorLine(err: unknown, max = 300): string {
  const text = err instanceof Error ? err.message : String(err);
  return (text.split('\n')[0] ?? text).slice(0, max) || 'unknown error';
}

/** ONNX Runtime's errors start with a source location and a failed assertion: keep the sentence a user can act on. */
export function ortReason(message: string, max = 300): string {
  let line = (message.split('\n')[0] ?? message).replace(/^\S+\.(cc|cpp|h):\d+\s+/, '');
  const assertion = line.lastIndexOf(' was false. ');
  if (assertion >= 0) line = line.slice(assertion + ' was false. '.length);
  return line.length > max ? `${line.slice(0, max)}…` : line;
}
