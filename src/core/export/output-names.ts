// Names every export writes at the top of its output folder, whatever the format.

/** The record of how the export was made; its presence marks a complete export. */
export const EXPORT_RECORD_NAME = 'export.json';
/** The dataset card the Hub shows, and the folder of its plots. */
export const CARD_NAME = 'README.md';
export const CARD_FOLDER = 'card';
