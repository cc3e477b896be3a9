// The habits a report flags, a synthetic source against the ground truth, and what it could not judge.
import type { TextSource } from '../../shared/record.js';
import type { Habit, HabitFlag, HabitReportOptions, SourceReport } from './habit-report-types.js';
import type { PhraseCounts } from './phrase-counts.js';
import { share } from './source-tally.js';

const NAMES: Record<TextSource, string> = { alt: 'alt-text', ssc: 'SSC', dsc: 'DSC' };
const pct = (x: number) => `${Math.round(x * 100)}%`;

export function flagsFor(syn: SourceReport, gt: SourceReport, gtPhrases: { openings: PhraseCounts; closings: PhraseCounts }, o: HabitReportOptions): HabitFlag[] {
  // Judged on the texts measured (all of them, unless the report measured a sample).
  if (syn.source === 'alt' || syn.measured < o.minCount) return [];
  const source = syn.source;
  const name = NAMES[source];
  const flags: HabitFlag[] = [];
  const haveGt = gt.measured >= o.minCount;
  if (haveGt) {
    const shareChecks: [Habit, keyof Pick<SourceReport, 'startsWithArticle' | 'endsWithPeriod' | 'capitalised'>, string][] = [
      ['article-opening', 'startsWithArticle', 'start with "a", "an" or "the"'],
      ['trailing-period', 'endsWithPeriod', 'end with a period'],
      ['capitalisation', 'capitalised', 'start with a capital letter'],
    ];
    for (const [habit, key, what] of shareChecks) {
      if (Math.abs(syn[key] - gt[key]) >= o.shareGap) {
        flags.push({ source, habit, value: syn[key], groundTruth: gt[key], message: `${pct(syn[key])} of ${name}s ${what}, against ${pct(gt[key])} of alt-texts` });
      }
    }
  }
  for (const [habit, list, where] of [
    ['stock-opening', 'openings', 'open'],
    ['stock-closing', 'closings', 'end'],
  ] as const) {
    const top = syn[list][0];
    // A phrase used once is not a stock phrase, however small the sample.
    if (!top || top.count < 2 || top.share < o.stockShare) continue;
    const gtShare = haveGt ? share(gtPhrases[list].get(top.phrase) ?? 0, gt.measured) : null;
    if (gtShare !== null && top.share < o.ratio * gtShare) continue;
    flags.push({
      source,
      habit,
      value: top.share,
      groundTruth: gtShare,
      message: `${pct(top.share)} of ${name}s ${where} with "${top.phrase}"${gtShare !== null ? ` (alt-texts: ${pct(gtShare)})` : ''}`,
    });
  }
  for (const [habit, value, gtValue, min, what] of [
    ['loops', syn.loops.share, gt.loops.share, o.loopShare, `repeat a ${o.loopN}-word phrase inside the caption`],
    ['duplicates', syn.duplicates.share, gt.duplicates.share, o.duplicateShare, 'are identical to another'],
  ] as const) {
    if (value < min || (haveGt && value < 2 * gtValue)) continue;
    flags.push({ source, habit, value, groundTruth: haveGt ? gtValue : null, message: `${pct(value)} of ${name}s ${what}${haveGt ? ` (alt-texts: ${pct(gtValue)})` : ''}` });
  }
  if (haveGt && gt.words.median > 0 && syn.words.median > 0) {
    const spread = (r: SourceReport) => (r.words.p90 - r.words.p10) / r.words.median;
    if (spread(syn) < o.spreadFraction * spread(gt)) {
      flags.push({
        source,
        habit: 'uniform-length',
        value: spread(syn),
        groundTruth: spread(gt),
        message: `${name} lengths are uniform: 80% lie within ${syn.words.p10}–${syn.words.p90} words, alt-texts ${gt.words.p10}–${gt.words.p90}`,
      });
    }
  }
  return flags;
}

/** Sources with too few texts to judge, and a ground truth too small to compare with. */
export function judgementNotes(sources: Record<TextSource, SourceReport>, o: HabitReportOptions): string[] {
  const notes: string[] = [];
  for (const source of ['ssc', 'dsc'] as const) {
    const n = sources[source].measured;
    if (n > 0 && n < o.minCount) notes.push(`too few ${NAMES[source]}s to judge: ${n}, and ${o.minCount} are needed`);
  }
  const gt = sources.alt.measured;
  const judged = (['ssc', 'dsc'] as const).some((s) => sources[s].measured >= o.minCount);
  if (judged && gt < o.minCount) {
    notes.push(`too few alt-texts to compare with (${gt}; ${o.minCount} are needed): habits were judged on the synthetic captions alone`);
  }
  return notes;
}

