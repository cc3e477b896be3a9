// What the data part (parts/data.ts) is asked and answers: shared by the part, bench/run.ts and the report,
// apart from the part itself (importing a part runs it).

export const DATA_STEPS = ['stats', 'export', 'sidecar', 'import', 'phash', 'editor'] as const;
export type DataStep = (typeof DATA_STEPS)[number];
/** The editor step needs code-server and a packaged extension: it runs when asked for. */
export const DEFAULT_DATA_STEPS: readonly DataStep[] = ['stats', 'export', 'sidecar', 'import', 'phash'];

export interface DataArgs {
  outRoot: string;
  records: number;
  photos: number;
  steps: DataStep[];
  rounds: number;
  /** The CLI bundle under test (default dist/cli.js): a build of another revision can be measured too. */
  cli: string;
}

/** How a row's path compares with its floor, and the target. */
export type Comparison =
  | { kind: 'time'; max: number } // path time ÷ floor time
  | { kind: 'throughput'; min: number } // the same bytes: floor time ÷ path time
  | { kind: 'later'; maxSeconds: number } // path seconds − floor seconds
  | { kind: 'memory'; maxMB: number }; // path MB − floor MB

export interface DataRow {
  step: DataStep;
  path: string;
  floor: string;
  /** Best of the rounds: seconds, or MB for a memory row. */
  value: number;
  floorValue: number;
  comparison: Comparison;
  runs: { path: number[]; floor: number[] };
  /** 1-minute load average before the row's first run and after its last. */
  load: [number, number];
}

export interface DataResult {
  records: number;
  manifestMiB: number;
  sidecarRecords: number;
  photos: number;
  photoMiB: number;
  parquetMiB: number;
  webdatasetMiB: number;
  rounds: number;
  rows: DataRow[];
  notes: string[];
}
