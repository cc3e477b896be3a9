// Which Parquet columns hold the images and the captions. Only top-level columns are considered. The
// image column is the Hugging Face `Image` feature (a struct with a binary `bytes` and a string
// `path`), a plain binary column, or a string column of paths; the caption column is a string column.
import type { SchemaTree } from 'hyparquet';
import { CAPTION_COLUMNS } from '../dataset/ground-truth.js';
import { ImportError } from './import-errors.js';

export type ColumnKind = 'image-struct' | 'binary' | 'string' | 'other';

/** The caption columns tried in order: the metadata files' own names first, then what large web sets use. */
export const PARQUET_CAPTION_COLUMNS: readonly string[] = [...new Set([...CAPTION_COLUMNS, 'TEXT', 'caption_text', 'description', 'prompt', 'sentence', 'title'])];
/** Names a string column of image paths goes by, when no column holds image bytes. */
export const IMAGE_PATH_COLUMNS: readonly string[] = ['image', 'img', 'jpg', 'png', 'path', 'image_path', 'file_name'];

export interface ColumnChoice {
  image: { name: string; kind: 'image-struct' | 'binary' | 'string' };
  caption: { name: string; kind: 'string' | 'binary' } | null;
}

function isString(tree: SchemaTree): boolean {
  const e = tree.element;
  return e.type === 'BYTE_ARRAY' && (e.converted_type === 'UTF8' || e.logical_type?.type === 'STRING');
}

function isPlainBinary(tree: SchemaTree): boolean {
  const e = tree.element;
  return tree.children.length === 0 && e.type === 'BYTE_ARRAY' && e.converted_type === undefined && e.logical_type === undefined;
}

function isLeaf(tree: SchemaTree): boolean {
  return tree.children.length === 0 && tree.element.repetition_type !== 'REPEATED';
}

export function kindOf(tree: SchemaTree): ColumnKind {
  if (tree.element.repetition_type === 'REPEATED') return 'other';
  if (tree.children.length > 0) {
    const bytes = tree.children.find((c) => c.element.name === 'bytes');
    const pathChild = tree.children.find((c) => c.element.name === 'path');
    const isImage = bytes !== undefined && isLeaf(bytes) && isPlainBinary(bytes) && (pathChild === undefined || (isLeaf(pathChild) && isString(pathChild)));
    return isImage ? 'image-struct' : 'other';
  }
  if (isString(tree)) return 'string';
  if (isPlainBinary(tree)) return 'binary';
  return 'other';
}

/** A column's type in words, for error messages: "string", "binary", "struct<bytes: binary, path: string>", "INT64". */
export function describeType(tree: SchemaTree): string {
  const e = tree.element;
  const repeated = e.repetition_type === 'REPEATED' ? 'repeated ' : '';
  if (tree.children.length > 0) {
    const listOrMap = e.converted_type === 'LIST' || e.converted_type === 'MAP' ? e.converted_type.toLowerCase() : 'struct';
    return `${repeated}${listOrMap}<${tree.children.map((c) => `${c.element.name}: ${describeType(c)}`).join(', ')}>`;
  }
  if (isString(tree)) return `${repeated}string`;
  if (isPlainBinary(tree)) return `${repeated}binary`;
  const annotation = e.logical_type?.type ?? e.converted_type;
  return `${repeated}${e.type ?? 'unknown'}${annotation ? ` (${annotation})` : ''}`;
}

export function describeColumns(schema: SchemaTree): string {
  return schema.children.map((c) => `${c.element.name} (${describeType(c)})`).join(', ') || 'none';
}

function findColumn(schema: SchemaTree, name: string): SchemaTree | undefined {
  return schema.children.find((c) => c.element.name === name);
}

function pickImage(schema: SchemaTree, file: string, named: string | undefined): ColumnChoice['image'] {
  if (named !== undefined) {
    const column = findColumn(schema, named);
    if (!column) throw new ImportError('bad-column', `${file}: no column "${named}"; its columns: ${describeColumns(schema)}`);
    const kind = kindOf(column);
    if (kind === 'other') {
      throw new ImportError('bad-column', `${file}: column "${named}" is ${describeType(column)}, not an image column (an Image struct, binary, or string paths); its columns: ${describeColumns(schema)}`);
    }
    return { name: named, kind };
  }
  for (const column of schema.children) {
    const kind = kindOf(column);
    if (kind === 'image-struct' || kind === 'binary') return { name: column.element.name, kind };
  }
  for (const name of IMAGE_PATH_COLUMNS) {
    const column = findColumn(schema, name);
    if (column && kindOf(column) === 'string') return { name, kind: 'string' };
  }
  throw new ImportError('bad-column', `${file}: no image column (an Image struct, binary, or string paths named ${IMAGE_PATH_COLUMNS.join('/')}); its columns: ${describeColumns(schema)}; name one with --image-column`);
}

function pickCaption(schema: SchemaTree, file: string, named: string | undefined, image: string): ColumnChoice['caption'] {
  if (named !== undefined) {
    const column = findColumn(schema, named);
    if (!column) throw new ImportError('bad-column', `${file}: no column "${named}"; its columns: ${describeColumns(schema)}`);
    const kind = kindOf(column);
    if (kind !== 'string' && kind !== 'binary') {
      throw new ImportError('bad-column', `${file}: column "${named}" is ${describeType(column)}, not a string column of captions; its columns: ${describeColumns(schema)}`);
    }
    return { name: named, kind };
  }
  for (const name of PARQUET_CAPTION_COLUMNS) {
    const column = findColumn(schema, name);
    if (name !== image && column && kindOf(column) === 'string') return { name, kind: 'string' };
  }
  return null;
}

/** The image and caption columns of one file, by name when given, else by the defaults above. */
export function chooseColumns(schema: SchemaTree, file: string, named: { image?: string; caption?: string }): ColumnChoice {
  const image = pickImage(schema, file, named.image);
  const caption = pickCaption(schema, file, named.caption, image.name);
  if (caption?.name === image.name) throw new ImportError('bad-column', `${file}: column "${image.name}" cannot be both the image column and the caption column`);
  return { image, caption };
}
