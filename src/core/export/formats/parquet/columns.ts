// The columns of a Parquet export, defined once: the Parquet schema, the rows' values, the features that
// the Hugging Face datasets library reads from the file's "huggingface" metadata, and the dataset card's
// feature list all come from this table, so they cannot disagree.
import type { SchemaElement } from 'hyparquet';
import { cleanCaptionText } from '../../../../shared/caption-text.js';
import type { ShardSample } from '../writer.js';
import { Utf8Column, utf8Buffers, type Utf8Values } from '../../../util/utf8-column.js';

/** A feature as the Hub's dataset card lists it (`dataset_info.features[].dtype`). */
export type FeatureType = 'image' | 'string' | 'float32' | 'int32';

export interface ExportFeature {
  name: string;
  dtype: FeatureType;
}

/** The value one sample gives a column; `image` is the embedded bytes (null with --images none). */
type ColumnValue = (sample: ShardSample, image: Buffer | null) => unknown;

export interface ColumnSpec {
  name: string;
  dtype: FeatureType;
  required: boolean;
  value: ColumnValue;
  /**
   * A text per row (no two alike as a rule): its values go to the Parquet thread as UTF-8 in one buffer, and
   * are stored plain, with no dictionary tried.
   */
  utf8?: true;
  /** Stored uncompressed: hex digests, which Snappy shrinks by a few percent at a fifth of its speed on captions. */
  incompressible?: true;
  /**
   * No min and max per row group: free text and digests, whose bounds over ten thousand rows span nearly
   * every value and so let a reader skip nothing; they took a seventh of the Parquet thread's time.
   */
  noStatistics?: true;
  /**
   * For a text column: what the value goes through before it is stored, applied only to a text that is not
   * all printable ASCII, which it must leave as it is (Utf8Column.pushCleaned).
   */
  clean?: (text: string) => string;
}

/** The Hugging Face `Image` feature's storage: a struct of the encoded bytes and the original path. */
const imageColumn: ColumnSpec = {
  name: 'image',
  dtype: 'image',
  required: false,
  value: (sample, image) => ({ bytes: image, path: sample.fileName }),
};

/** With --images none: where the image is, relative to the dataset folder. */
const fileNameColumn: ColumnSpec = { name: 'file_name', dtype: 'string', required: true, utf8: true, value: (sample) => sample.fileName };

const captionColumns: readonly ColumnSpec[] = [
  { name: 'text', dtype: 'string', required: true, utf8: true, noStatistics: true, value: (sample) => sample.caption, clean: cleanCaptionText },
  { name: 'caption_source', dtype: 'string', required: true, value: (sample) => sample.source },
  { name: 'by', dtype: 'string', required: false, value: (sample) => sample.by },
  { name: 'score', dtype: 'float32', required: false, value: (sample) => sample.score },
  { name: 'width', dtype: 'int32', required: false, value: (sample) => sample.image.width },
  { name: 'height', dtype: 'int32', required: false, value: (sample) => sample.image.height },
  { name: 'sha256', dtype: 'string', required: false, utf8: true, incompressible: true, noStatistics: true, value: (sample) => sample.image.sha256 },
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

/** One column of a row group as it goes to the Parquet thread: values, or a text column's UTF-8 (util/utf8-column.ts). */
export interface GroupColumn {
  name: string;
  data: unknown[] | Utf8Values;
  image: boolean;
}

/** Collects a row group's values column by column, as the encoder takes them. */
export class RowGroupBuffer {
  private values: (unknown[] | Utf8Column)[];
  private count = 0;
  imageBytes = 0;

  constructor(private readonly columns: readonly ColumnSpec[]) {
    this.values = columns.map(fresh);
  }

  get rows(): number {
    return this.count;
  }

  add(sample: ShardSample, image: Buffer | null): void {
    this.columns.forEach((spec, i) => {
      const column = this.values[i]!;
      const value = spec.value(sample, image);
      if (!(column instanceof Utf8Column)) column.push(value);
      else if (spec.clean) column.pushCleaned(value as string, spec.clean);
      else column.push(value as string | null);
    });
    this.count++;
    this.imageBytes += image?.length ?? 0;
  }

  /** Takes the buffered rows out as the thread's column data, with the buffers to transfer, and empties the buffer. */
  take(): { columns: GroupColumn[]; transfer: ArrayBuffer[] } {
    const transfer: ArrayBuffer[] = [];
    const columns = this.columns.map((spec, i): GroupColumn => {
      const column = this.values[i]!;
      if (!(column instanceof Utf8Column)) return { name: spec.name, data: column, image: spec.dtype === 'image' };
      const data = column.take();
      transfer.push(...utf8Buffers(data));
      return { name: spec.name, data, image: false };
    });
    this.values = this.columns.map((spec, i) => (spec.utf8 ? this.values[i]! : []));
    this.count = 0;
    this.imageBytes = 0;
    return { columns, transfer };
  }
}

function fresh(spec: ColumnSpec): unknown[] | Utf8Column {
  return spec.utf8 ? new Utf8Column() : [];
}
