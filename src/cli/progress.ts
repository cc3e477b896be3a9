// Progress on stderr: one rewritten line on a terminal, a line every few seconds otherwise (CI logs).
import { forTerminal } from './terminal-text.js';
export interface ProgressLine {
  update(done: number, total: number, label?: string): void;
  finish(summary?: string): void;
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export function createProgressLine(verb: string, unit = 'images', stream: NodeJS.WriteStream = process.stderr): ProgressLine {
  const started = performance.now();
  const tty = stream.isTTY === true;
  let lastPrint = 0;
  let lastLine = '';
  return {
    update(done, total, label) {
      const now = performance.now();
      if (now - lastPrint < (tty ? 100 : 5000) && done !== total) return;
      lastPrint = now;
      const elapsed = (now - started) / 1000;
      const rate = elapsed > 0 ? done / elapsed : 0;
      const eta = rate > 0 ? (total - done) / rate : Infinity;
      lastLine = `${verb} ${done}/${total} ${unit}, ${rate.toFixed(1)} ${unit}/s, ETA ${formatDuration(eta)}${label ? `, ${label}` : ''}`;
      stream.write(tty ? `\r\x1b[K${forTerminal(lastLine)}` : `${forTerminal(lastLine)}\n`);
    },
    finish(summary) {
      if (tty && lastLine) stream.write('\n');
      if (summary) stream.write(`${forTerminal(summary)}\n`);
    },
  };
}

export { formatDuration };
