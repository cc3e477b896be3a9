// Progress reports at a pace a person can read: a scan or an export of a million items reports per item
// or per small batch, and each report is a message from the extension host to the window (encoded, and
// compressed for a remote window), work on the thread that every extension shares.

/** The shortest time between two reports. */
export const REPORT_EVERY_MS = 100;

/** Whether a report is due now: one every `ms` at most; a final one (the last item) always is. */
export function pacedReports(ms = REPORT_EVERY_MS): (final?: boolean) => boolean {
  let last = -Infinity;
  return (final = false) => {
    const now = performance.now();
    if (!final && now - last < ms) return false;
    last = now;
    return true;
  };
}
