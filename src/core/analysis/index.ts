// Caption statistics, the habit report and its normalizers: the public surface for the CLI and the extension.
export * from './habit-report.js';
export { formatHabitReport } from './format-report.js';
export { habitReportOf } from './threaded-habit-report.js';
export * from './normalizers.js';
export * from '../text/text-features.js';
export * from '../text/distribution.js';
