// The columns of a Parquet export, defined once: the Parquet schema, the rows' values, the features that
// the Hugging Face datasets library reads from the file's "huggingface" metadata, and the dataset card's
// feature list all come from this table, so they cannot disagree.
import type { SchemaElement } from 'hyparquet';
import type { ExportSample } from '../../types.js';

/** A feature as the Hub's dataset card lists it (`dataset_info.features[].dtype`). */
export type FeatureType = 'image' | 'string' | 'float32' | 'int32';

export interface ExportFeature {
  name: string;
  dtype: FeatureType;
}

/** The value one sample gives a column; `image` is the embedded bytes (null with --images none). */
type ColumnValue = (sample: ExportSample, image: Buffer | null) => unknown;

export interface ColumnSpec {
  name: string;
  dtype: FeatureType;
  required: boolean;
  value: ColumnValue;
}

/** The Hugging Face `Image` feature's storage: a struct of the encoded bytes and the original path. */
const imageColumn: ColumnSpec = {
  name: 'image',
  dtype: 'image',
  required: false,
  value: (sample, image) => ({ bytes: image, path: sample.fileName }),
};

/** With --images none: where the image is, relative to the dataset folder. */
const fileNameColumn: ColumnSpec = { name: 'file_name', dtype: 'string', required: true, value: (sample) => sample.fileName };

const captionColumns: readonly ColumnSpec[] = [
  { name: 'text', dtype: 'string', required: true, value: (sample) => sample.caption },
  { name: 'caption_source', dtype: 'string', required: true, value: (sample) => sample.source },
  { name: 'by', dtype: 'string', required: false, value: (sample) => sample.by },
  { name: 'score', dtype: 'float32', required: false, value: (sample) => sample.score },
  { name: 'width', dtype: 'int32', required: false, value: (sample) => sample.image.width },
  { name: 'height', dtype: 'int32', required: false, value: (sample) => sample.image.height },
  { name: 'sha256', dtype: 'string', required: false, value: (sample) => sample.image.sha256 },
];

export function exportColumns(embedImages: boolean): readonly ColumnSpec[] {
  return [embedImages ? imageColumn : fileNameColumn, ...captionColumns];
}

export function featuresOf(columns: readonly ColumnSpec[]): ExportFeature[] {
  return columns.map(({ name, dtype }) => ({ name, dtype }));
}

function leaf(spec: ColumnSpec): SchemaElement {
  const repetition_type = spec.required ? 'REQUIRED' : 'OPTIONAL';
  switch (spec.dtype) {
    case 'string':
      return { name: spec.name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type };
    case 'float32':
      return { name: spec.name, type: 'FLOAT', repetition_type };
    case 'int32':
      return { name: spec.name, type: 'INT32', repetition_type };
    case 'image':
      throw new Error('the image column is a struct, not a leaf');
  }
}

/** The flat schema list Parquet files carry (root first, each group followed by its children). */
export function parquetSchema(columns: readonly ColumnSpec[]): SchemaElement[] {
  const schema: SchemaElement[] = [{ name: 'schema', num_children: columns.length }];
  for (const spec of columns) {
    if (spec.dtype === 'image') {
      schema.push(
        { name: spec.name, repetition_type: 'OPTIONAL', num_children: 2 },
        { name: 'bytes', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL' },
        { name: 'path', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
      );
    } else {
      schema.push(leaf(spec));
    }
  }
  return schema;
}

/** What the datasets library stores under the "huggingface" key to restore features (Image, Value). */
export function huggingFaceMetadata(columns: readonly ColumnSpec[]): string {
  const features: Record<string, { _type: 'Image' } | { _type: 'Value'; dtype: FeatureType }> = {};
  for (const { name, dtype } of columns) features[name] = dtype === 'image' ? { _type: 'Image' } : { _type: 'Value', dtype };
  return JSON.stringify({ info: { features } });
}

/** Collects a row group's values column by column, as the encoder takes them. */
export class RowGroupBuffer {
  private values: unknown[][];
  imageBytes = 0;

  constructor(private readonly columns: readonly ColumnSpec[]) {
    this.values = columns.map(() => []);
  }

  get rows(): number {
    return this.values[0]!.length;
  }

  add(sample: ExportSample, image: Buffer | null): void {
    this.columns.forEach((spec, i) => this.values[i]!.push(spec.value(sample, image)));
    this.imageBytes += image?.length ?? 0;
  }

  /** Takes the buffered rows out as encoder column data, and empties the buffer. */
  take(): { name: string; data: unknown[]; image: boolean }[] {
    const data = this.columns.map((spec, i) => ({ name: spec.name, data: this.values[i]!, image: spec.dtype === 'image' }));
    this.values = this.columns.map(() => []);
    this.imageBytes = 0;
    return data;
  }
}
