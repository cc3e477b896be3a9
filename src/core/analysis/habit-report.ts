// The caption habit report: alt-text, SSC and DSC measured the same way, side by side, with flags where a
// synthetic caption differs sharply from the ground truth. Those are the habits the recaptioning recipe
// warns about: a text-to-image model trained on them learns the captioner's style (stock openings, fixed
// punctuation, uniform length, loops) and then expects it in every prompt.
import type { ManifestRecord } from '../../shared/record.js';
import { histogram, sharedBins, summarize, type Bin, type LengthSummary } from './distribution.js';
import {
  closingPhrase,
  endsWithPeriod,
  identityKey,
  openingPhrase,
  repeatedNgrams,
  startsCapitalised,
  startsWithArticle,
  wordsOf,
} from './text-features.js';

export type TextSource = 'alt' | 'ssc' | 'dsc';
export const TEXT_SOURCES: readonly TextSource[] = ['alt', 'ssc', 'dsc'];

export interface PhraseCount {
  phrase: string;
  count: number;
  /** count / captions of this source. */
  share: number;
}

export interface LoopExample {
  fileName: string;
  ngram: string;
  times: number;
}

export interface SourceReport {
  source: TextSource;
  /** Non-empty texts of this source. */
  count: number;
  words: LengthSummary;
  /** Captions per shared bin (HabitReport.bins). */
  histogram: number[];
  startsWithArticle: number;
  endsWithPeriod: number;
  capitalised: number;
  openings: PhraseCount[];
  closings: PhraseCount[];
  loops: {
    /** Captions with an n-gram repeated inside them. */
    count: number;
    share: number;
    /** n-grams by the number of captions they repeat in. */
    top: PhraseCount[];
    examples: LoopExample[];
  };
  duplicates: {
    /** Captions whose text (ignoring case and spacing) another caption of the same source also has. */
    count: number;
    share: number;
    top: PhraseCount[];
  };
}

export type Habit =
  | 'article-opening'
  | 'trailing-period'
  | 'capitalisation'
  | 'stock-opening'
  | 'stock-closing'
  | 'loops'
  | 'duplicates'
  | 'uniform-length';

export interface HabitFlag {
  source: 'ssc' | 'dsc';
  habit: Habit;
  /** The synthetic source's value and the ground truth's (null: judged without ground truth). */
  value: number;
  groundTruth: number | null;
  message: string;
}

export interface HabitReportOptions {
  /** n of the n-grams whose repetition inside one caption counts as a loop. */
  loopN: number;
  loopMinTimes: number;
  /** Entries in the openings / closings / loops / duplicates lists. */
  top: number;
  maxBins: number;
  /** A source with fewer texts than this raises no flags: too few to judge. */
  minCount: number;
  /** An absolute difference in share that counts as sharp (article, period, capitalisation). */
  shareGap: number;
  /** A stock phrase: at least this share of captions, and `ratio` times its share in the ground truth. */
  stockShare: number;
  ratio: number;
  loopShare: number;
  duplicateShare: number;
  /** Relative spread (p90 - p10) / median below this fraction of the ground truth's. */
  spreadFraction: number;
}

export const DEFAULT_REPORT_OPTIONS: HabitReportOptions = {
  loopN: 4,
  loopMinTimes: 2,
  top: 10,
  maxBins: 20,
  minCount: 20,
  shareGap: 0.3,
  stockShare: 0.2,
  ratio: 3,
  loopShare: 0.02,
  duplicateShare: 0.1,
  spreadFraction: 0.5,
};

export interface HabitReport {
  records: number;
  bins: Bin[];
  sources: Record<TextSource, SourceReport>;
  flags: HabitFlag[];
  options: HabitReportOptions;
}

interface Text {
  fileName: string;
  text: string;
}

function textsOf(records: Iterable<ManifestRecord>): { count: number; texts: Record<TextSource, Text[]> } {
  const texts: Record<TextSource, Text[]> = { alt: [], ssc: [], dsc: [] };
  let count = 0;
  for (const record of records) {
    count++;
    for (const source of TEXT_SOURCES) {
      const text = source === 'alt' ? record.alt?.text : record[source]?.text;
      if (text !== undefined && text.trim() !== '') texts[source].push({ fileName: record.file_name, text });
    }
  }
  return { count, texts };
}

function topCounts(counts: Map<string, number>, total: number, top: number, minCount = 1): PhraseCount[] {
  return [...counts]
    .filter(([, count]) => count >= minCount)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, top)
    .map(([phrase, count]) => ({ phrase, count, share: count / total }));
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function share(n: number, total: number): number {
  return total === 0 ? 0 : n / total;
}

function measure(source: TextSource, texts: readonly Text[], bins: readonly Bin[], o: HabitReportOptions): SourceReport {
  const lengths = texts.map((t) => wordsOf(t.text).length);
  const openings = new Map<string, number>();
  const closings = new Map<string, number>();
  const loopGrams = new Map<string, number>();
  const identities = new Map<string, number>();
  const examples: LoopExample[] = [];
  let article = 0;
  let period = 0;
  let capital = 0;
  let looping = 0;
  for (const { fileName, text } of texts) {
    if (startsWithArticle(text)) article++;
    if (endsWithPeriod(text)) period++;
    if (startsCapitalised(text)) capital++;
    bump(openings, openingPhrase(text));
    bump(closings, closingPhrase(text));
    bump(identities, identityKey(text));
    const repeats = repeatedNgrams(text, o.loopN, o.loopMinTimes);
    if (repeats.length > 0) {
      looping++;
      for (const r of repeats) bump(loopGrams, r.ngram);
      examples.push({ fileName, ngram: repeats[0]!.ngram, times: repeats[0]!.times });
    }
  }
  let duplicated = 0;
  for (const n of identities.values()) if (n > 1) duplicated += n;
  const total = texts.length;
  examples.sort((a, b) => b.times - a.times || (a.fileName < b.fileName ? -1 : 1));
  return {
    source,
    count: total,
    words: summarize(lengths),
    histogram: histogram(lengths, bins),
    startsWithArticle: share(article, total),
    endsWithPeriod: share(period, total),
    capitalised: share(capital, total),
    openings: topCounts(openings, total, o.top),
    closings: topCounts(closings, total, o.top),
    loops: { count: looping, share: share(looping, total), top: topCounts(loopGrams, total, o.top), examples: examples.slice(0, o.top) },
    duplicates: { count: duplicated, share: share(duplicated, total), top: topCounts(identities, total, o.top, 2) },
  };
}

const NAMES: Record<TextSource, string> = { alt: 'alt-text', ssc: 'SSC', dsc: 'DSC' };
const pct = (x: number) => `${Math.round(x * 100)}%`;

function flagsFor(syn: SourceReport, gt: SourceReport, gtPhrases: { openings: Map<string, number>; closings: Map<string, number> }, o: HabitReportOptions): HabitFlag[] {
  if (syn.source === 'alt' || syn.count < o.minCount) return [];
  const source = syn.source;
  const name = NAMES[source];
  const flags: HabitFlag[] = [];
  const haveGt = gt.count >= o.minCount;
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
    const gtShare = haveGt ? share(gtPhrases[list].get(top.phrase) ?? 0, gt.count) : null;
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

/** Records, or anything that lists them (a ManifestStore). */
export type RecordSource = Iterable<ManifestRecord> | { records(): Iterable<ManifestRecord> };

export function computeHabitReport(from: RecordSource, options: Partial<HabitReportOptions> = {}): HabitReport {
  const o = { ...DEFAULT_REPORT_OPTIONS, ...options };
  const { count, texts } = textsOf('records' in from && typeof from.records === 'function' ? from.records() : (from as Iterable<ManifestRecord>));
  // A loop, not Math.max(...all): a spread of hundreds of thousands of arguments overflows the stack.
  let maxWords = 0;
  for (const s of TEXT_SOURCES) for (const t of texts[s]) maxWords = Math.max(maxWords, wordsOf(t.text).length);
  const bins = sharedBins(maxWords, o.maxBins);
  const sources = {
    alt: measure('alt', texts.alt, bins, o),
    ssc: measure('ssc', texts.ssc, bins, o),
    dsc: measure('dsc', texts.dsc, bins, o),
  };
  // Ground-truth phrase counts in full, not just its top list: a stock phrase is compared with its exact share there.
  const gtPhrases = { openings: new Map<string, number>(), closings: new Map<string, number>() };
  for (const t of texts.alt) {
    bump(gtPhrases.openings, openingPhrase(t.text));
    bump(gtPhrases.closings, closingPhrase(t.text));
  }
  const flags = [...flagsFor(sources.ssc, sources.alt, gtPhrases, o), ...flagsFor(sources.dsc, sources.alt, gtPhrases, o)];
  return { records: count, bins, sources, flags, options: o };
}
