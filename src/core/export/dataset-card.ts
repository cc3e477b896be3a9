// The dataset card every export writes: README.md with the YAML header the Hugging Face Hub reads, a body
// that says what the data is and how it was made, and the habit report's plots as PNG files under card/.
// datasetCard is pure and deterministic (the only time in it is the record's created_at), so the same
// export gives a byte-identical README.md; writeDatasetCard renders the plots and writes the files.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { lengthHistogramSvg } from '../analysis/length-plot-svg.js';
import { TEXT_SOURCES } from '../analysis/habit-report.js';
import { writeFully } from '../util/write-fully.js';
import { ExportError } from './types.js';
import { cardHeader, cardLicense } from './card/card-yaml.js';
import { cardTitle, howMadeSection, introSection, leftOutSection, provenanceSection, reviewSection, splitsSection } from './card/card-body.js';
import { auditSection, habitSection } from './card/card-habits.js';
import { licenseProblem } from './card/licenses.js';
import { CARD_FOLDER, CARD_NAME } from './output-names.js';
import type { CardPlot, DatasetCard, DatasetCardInput } from './card/card-types.js';

export type { CardDataFiles, CardFeature, CardPlot, DatasetCard, DatasetCardInput, ReviewCoverage, ReviewTally } from './card/card-types.js';
export { cardFactsOf, CardFactsCollector, type CardFacts } from './card/card-facts.js';
export { licenseProblem, HUB_LICENSES } from './card/licenses.js';
export { sizeCategory } from './card/card-yaml.js';
export { CARD_FOLDER, CARD_NAME };

/** The card's length plot, in the folder beside README.md that holds the card's images. */
export const LENGTH_PLOT = `${CARD_FOLDER}/caption-lengths.png`;
/** Plots are rendered at twice their SVG size, sharp on a high-density screen. */
const PLOT_DENSITY = 144;

export function datasetCard(input: DatasetCardInput): DatasetCard {
  const license = cardLicense(input);
  if (license !== undefined) {
    const problem = licenseProblem(license);
    if (problem) throw new ExportError(problem, 'bad-option');
  }
  const { record, habit } = input;
  const hasTexts = TEXT_SOURCES.some((s) => habit.sources[s].count > 0);
  const plots: CardPlot[] = hasTexts ? [{ file: LENGTH_PLOT, svg: lengthHistogramSvg(habit, { standalone: true }) }] : [];
  const body = [
    ...introSection(record, cardTitle(record, input.title), input.recaptionVersion),
    ...howMadeSection(record, input.recaptionVersion, license),
    ...splitsSection(record),
    ...reviewSection(input.review),
    ...habitSection(habit, hasTexts ? LENGTH_PLOT : null),
    ...auditSection(input.audit),
    ...leftOutSection(record),
    ...provenanceSection(record),
  ];
  // One trailing newline, no trailing spaces (two of them would be a hard line break).
  const markdown = `${cardHeader(input)}\n${body.map((l) => l.trimEnd()).join('\n').trimEnd()}\n`;
  return { markdown, plots };
}

async function writeNew(file: string, data: string | Uint8Array): Promise<void> {
  const handle = await fs.open(file, 'wx');
  try {
    await writeFully(handle, data, file);
  } finally {
    await handle.close();
  }
}

/**
 * Writes README.md and the plots (PNG, rendered from the SVG) under `root`; every file is created new and
 * an existing one is never overwritten. On failure the files it created are removed again. Returns the
 * top-level names it wrote.
 */
export async function writeDatasetCard(root: string, input: DatasetCardInput): Promise<string[]> {
  const card = datasetCard(input);
  // Render first: a drawing sharp cannot read fails before anything is on disk.
  const images = await Promise.all(card.plots.map(async (p) => ({ file: p.file, png: await sharp(Buffer.from(p.svg), { density: PLOT_DENSITY }).png().toBuffer() })));
  const readme = path.join(root, CARD_NAME);
  // README.md is claimed first, so a second card refuses before touching card/.
  const handle = await fs.open(readme, 'wx');
  const created: string[] = [readme];
  let madeFolder = false;
  try {
    if (images.length > 0) {
      madeFolder = (await fs.mkdir(path.join(root, CARD_FOLDER), { recursive: true })) !== undefined;
      for (const image of images) {
        const file = path.join(root, ...image.file.split('/'));
        await writeNew(file, image.png);
        created.push(file);
      }
    }
    await writeFully(handle, card.markdown, readme);
    await handle.close();
  } catch (err) {
    await handle.close().catch(() => undefined);
    for (const file of created.reverse()) await fs.rm(file, { force: true }).catch(() => undefined);
    if (madeFolder) await fs.rmdir(path.join(root, CARD_FOLDER)).catch(() => undefined);
    throw err;
  }
  return images.length > 0 ? [CARD_NAME, CARD_FOLDER] : [CARD_NAME];
}
