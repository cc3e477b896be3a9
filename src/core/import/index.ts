// Importing a dataset from Parquet files or WebDataset shards (import-dataset.ts has the whole story).
export { importDataset, type ImportOptions, type ImportProgress, type ImportReport } from './import-dataset.js';
export { ImportError, type ImportErrorCode } from './import-errors.js';
