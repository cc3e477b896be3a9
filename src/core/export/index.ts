// Export Fine-Tune Set: the public surface used by the CLI and the extension.
export { exportFineTuneSet, DEFAULT_PROMPTS, EXPORT_RECORD_NAME, type ExportOptions, type ExportResult } from './run-export.js';
export { countExportable, planExport, type ExportPlan, type PlanOptions } from './plan.js';
export { unitHash } from '../util/seeded-hash.js';
export * from './types.js';
export { CARD_NAME, CARD_FOLDER } from './output-names.js';
export { licenseProblem } from './dataset-card.js';
export { DEFAULT_CARD_SAMPLE } from './card/card-facts.js';
