// Preloaded into a child process (node --import): says on stderr, as it exits, the most memory it held
// (its peak resident set size, worker threads included), for tests that bound what an import may cost.
// On Linux it is the process's own high-water mark (VmHWM); getrusage's maxRSS there starts from the
// parent's at fork, so a parent holding a large file would inflate it.
import { readFileSync } from 'node:fs';

function peakBytes() {
  try {
    const kb = /VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kb !== undefined) return Number(kb) * 1024;
  } catch {
    // Not Linux: getrusage's figure.
  }
  return process.resourceUsage().maxRSS * 1024;
}

process.on('exit', () => {
  process.stderr.write(`\n@peak-rss ${peakBytes()}\n`);
});
