// What the dataset card's header says about an export's files: where each split's data is (`configs`)
// and which columns it has (`dataset_info.features`), per format. Only layouts the Hub loads without a
// script get a config; the rest are described in the card's body alone.
import type { CardDataFiles, CardFeature } from './card/card-types.js';
import { exportColumns, featuresOf } from './formats/parquet/columns.js';
import { PARQUET_DATA_FOLDER } from './formats/parquet/parquet-writer.js';
import { SPLITS, type ExportFormat, type ImageMode } from './types.js';

export interface CardLayout {
  dataFiles: CardDataFiles[] | null;
  features: CardFeature[] | null;
}

export function cardLayout(format: ExportFormat, images: ImageMode): CardLayout {
  switch (format) {
    case 'parquet':
      return {
        dataFiles: SPLITS.map((split) => ({ split, pattern: `${PARQUET_DATA_FOLDER}/${split}-*` })),
        features: featuresOf(exportColumns(images !== 'none')),
      };
    case 'hf':
      // imagefolder: the images and metadata.jsonl of each split folder; file_name becomes the image.
      return {
        dataFiles: images === 'none' ? null : SPLITS.map((split) => ({ split, pattern: `${split}/**` })),
        features: images === 'none' ? null : [{ name: 'image', dtype: 'image' }, { name: 'text', dtype: 'string' }, { name: 'caption_source', dtype: 'string' }],
      };
    case 'webdataset':
      // The Hub's WebDataset loader names columns by member extension, which depends on the images.
      return { dataFiles: SPLITS.map((split) => ({ split, pattern: `${split}-*.tar` })), features: null };
    case 'sidecar':
    case 'llava':
    case 'openai':
      return { dataFiles: null, features: null };
  }
}
