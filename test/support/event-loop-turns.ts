// Counts the turns the event loop takes while some work runs: a chain of immediates, one run a turn, so a
// test can tell work that yields between batches from work that holds the thread to the end.
export interface TurnCounter {
  /** Turns counted so far. */
  readonly count: number;
  stop(): void;
}

export function countTurns(): TurnCounter {
  let count = 0;
  let running = true;
  const tick = () => {
    count++;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  return {
    get count() {
      return count;
    },
    stop: () => {
      running = false;
    },
  };
}
