// The card's YAML header: the metadata the Hub reads (license, task, tags, size) and, for formats the
// Hub can load, the default config's files per split and the features and split sizes of dataset_info.
// Field names as the Hub documents them: https://huggingface.co/docs/hub/datasets-cards,
// https://huggingface.co/docs/hub/datasets-manual-configuration and the datasetcard.md metadata spec.
import { stringify } from 'yaml';
import { SPLITS, type ExportProfile, type Split } from '../types.js';
import { CONTROL_CHARACTERS } from '../../../shared/control-characters.js';
import type { DatasetCardInput } from './card-types.js';

/** What a model trained on each profile does, as the Hub's task categories name it. */
export const PROFILE_TASKS: Readonly<Record<ExportProfile, string>> = { ssc: 'image-to-text', dsc: 'image-to-text', t2i: 'text-to-image' };

export const CARD_TAGS: readonly string[] = ['recaption', 'synthetic-captions'];

/** The Hub's size buckets, by upper bound (exclusive); beyond the last, 'n>1T'. */
const SIZE_CATEGORIES: readonly [number, string][] = [
  [1e3, 'n<1K'],
  [1e4, '1K<n<10K'],
  [1e5, '10K<n<100K'],
  [1e6, '100K<n<1M'],
  [1e7, '1M<n<10M'],
  [1e8, '10M<n<100M'],
  [1e9, '100M<n<1B'],
  [1e10, '1B<n<10B'],
  [1e11, '10B<n<100B'],
  [1e12, '100B<n<1T'],
];

export function sizeCategory(examples: number): string {
  return SIZE_CATEGORIES.find(([bound]) => examples < bound)?.[1] ?? 'n>1T';
}

/** Splits that have examples: a data_files entry whose pattern matches nothing fails to load on the Hub. */
function filledSplits(input: DatasetCardInput): Split[] {
  return SPLITS.filter((split) => input.record.counts[split] > 0);
}

/** The license the user set: given with the card, or else as export.json records it. */
export function cardLicense(input: DatasetCardInput): string | undefined {
  return input.license ?? input.record.license ?? undefined;
}

/** The header's fields, in the order they are written. */
export function cardMetadata(input: DatasetCardInput): Record<string, unknown> {
  const meta: Record<string, unknown> = {};
  const license = cardLicense(input);
  if (license !== undefined) meta.license = license;
  // One line: the Hub shows it as the dataset's name.
  const prettyName = (input.title ?? '').replace(CONTROL_CHARACTERS, ' ').replace(/\s+/g, ' ').trim();
  if (prettyName !== '') meta.pretty_name = prettyName;
  meta.task_categories = [PROFILE_TASKS[input.record.profile]];
  meta.tags = [...CARD_TAGS];
  meta.size_categories = [sizeCategory(input.record.counts.total)];
  const splits = filledSplits(input);
  if (input.dataFiles !== null) {
    const dataFiles = SPLITS.flatMap((split) =>
      splits.includes(split) ? input.dataFiles!.filter((d) => d.split === split).map((d) => ({ split, path: d.pattern })) : [],
    );
    if (dataFiles.length > 0) meta.configs = [{ config_name: 'default', data_files: dataFiles }];
  }
  if (input.features !== null) {
    meta.dataset_info = {
      features: input.features.map((f) => ({ name: f.name, dtype: f.dtype })),
      splits: splits.map((name) => ({ name, num_examples: input.record.counts[name] })),
    };
  }
  return meta;
}

/** The header with its `---` fences. */
export function cardHeader(input: DatasetCardInput): string {
  // lineWidth 0: never fold a long value over lines; the Hub's parser reads either, people diff one.
  return `---\n${stringify(cardMetadata(input), { lineWidth: 0 })}---\n`;
}
