// The caption-length histogram as SVG, one drawing for the Caption Report panel and the dataset card.
// In the panel the bars are coloured by the panel's stylesheet (the theme's chart colours, CSP-safe: no
// inline style); a standalone file (the card's PNG) carries its own colours, background, font and legend.
import type { HabitReport, TextSource } from './habit-report.js';
import { TEXT_SOURCES } from './habit-report.js';

export const SOURCE_TITLES: Readonly<Record<TextSource, string>> = { alt: 'Alt-text', ssc: 'SSC', dsc: 'DSC' };

/** Colours of a standalone plot: the Okabe–Ito palette, told apart with every common colour-vision deficiency. */
const STANDALONE_COLOURS: Readonly<Record<TextSource, string>> = { alt: '#0072B2', ssc: '#E69F00', dsc: '#009E73' };

export interface LengthPlotOptions {
  /** A file of its own: xmlns, colours, background and legend inside the SVG. Default false (inline in the panel). */
  standalone?: boolean;
}

const GROUP_WIDTH = 36;
const BAR_WIDTH = 10;
const PLOT_HEIGHT = 160;
const LEFT = 40;
const BOTTOM = 28;
/** Room above the bars for the legend of a standalone plot. */
const LEGEND_HEIGHT = 24;
const LEGEND_STEP = 80;
/** Room below the bin labels for the axis title of a standalone plot. */
const AXIS_TITLE_HEIGHT = 16;

const percent = (x: number) => `${(x * 100).toFixed(1)}%`;

/** The axes and bars: per length bin, each source's share of its own texts (so sources of different sizes compare). */
function bars(report: HabitReport, width: number): string[] {
  const shares = TEXT_SOURCES.map((s) => report.sources[s].histogram.map((n) => (report.sources[s].measured ? n / report.sources[s].measured : 0)));
  const top = Math.max(0.01, ...shares.flat());
  const parts: string[] = [];
  for (const tick of [0, 0.5, 1]) {
    const y = PLOT_HEIGHT - tick * PLOT_HEIGHT;
    parts.push(`<line class="grid" x1="${LEFT}" x2="${width}" y1="${y}" y2="${y}"/>`);
    parts.push(`<text class="axis" x="${LEFT - 4}" y="${y + 4}" text-anchor="end">${Math.round(tick * top * 100)}%</text>`);
  }
  report.bins.forEach((bin, i) => {
    const x0 = LEFT + i * GROUP_WIDTH + 3;
    TEXT_SOURCES.forEach((source, k) => {
      const share = shares[k]![i]!;
      const h = (share / top) * PLOT_HEIGHT;
      const count = report.sources[source].histogram[i]!;
      parts.push(
        `<rect class="bar ${source}" x="${x0 + k * BAR_WIDTH}" y="${(PLOT_HEIGHT - h).toFixed(1)}" width="${BAR_WIDTH - 1}" height="${h.toFixed(1)}">` +
          `<title>${SOURCE_TITLES[source]}: ${count} texts of ${bin.from}–${bin.to - 1} words (${percent(share)})</title></rect>`,
      );
    });
    const label = bin.to - bin.from === 1 ? `${bin.from}` : `${bin.from}–${bin.to - 1}`;
    parts.push(`<text class="axis" x="${x0 + (BAR_WIDTH * 3) / 2}" y="${PLOT_HEIGHT + 16}" text-anchor="middle">${label}</text>`);
  });
  return parts;
}

function standaloneStyle(): string {
  const fills = TEXT_SOURCES.map((s) => `.${s}{fill:${STANDALONE_COLOURS[s]}}`).join('');
  return `<style>text{font-family:'DejaVu Sans',Arial,Helvetica,sans-serif}.grid{stroke:#d0d0d0}.axis{fill:#555555;font-size:10px}.legend{fill:#222222;font-size:11px}${fills}</style>`;
}

function legend(): string {
  return TEXT_SOURCES.map((s, k) => {
    const x = LEFT + k * LEGEND_STEP;
    return `<rect class="${s}" x="${x}" y="6" width="10" height="10"/><text class="legend" x="${x + 14}" y="15">${SOURCE_TITLES[s]}</text>`;
  }).join('');
}

/** Grouped bars of caption length in words, one group per bin of the report, one bar per source. */
export function lengthHistogramSvg(report: HabitReport, options: LengthPlotOptions = {}): string {
  const plotWidth = LEFT + report.bins.length * GROUP_WIDTH + 8;
  const label = `Caption length in words, share of each source's texts`;
  if (!options.standalone) {
    const height = PLOT_HEIGHT + BOTTOM;
    return `<svg role="img" aria-label="${label}" viewBox="0 0 ${plotWidth} ${height}" width="${plotWidth}" height="${height}">${bars(report, plotWidth).join('')}</svg>`;
  }
  // Wide enough for the legend however few bins there are.
  const width = Math.max(plotWidth, LEFT + TEXT_SOURCES.length * LEGEND_STEP);
  const parts = bars(report, width);
  const height = LEGEND_HEIGHT + PLOT_HEIGHT + BOTTOM + AXIS_TITLE_HEIGHT;
  const axisTitle = `<text class="legend" x="${(LEFT + plotWidth) / 2}" y="${height - 6}" text-anchor="middle">caption length in words</text>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${label}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">` +
    `${standaloneStyle()}<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>${legend()}` +
    `<g transform="translate(0 ${LEGEND_HEIGHT})">${parts.join('')}</g>${axisTitle}</svg>`
  );
}
