// The caption habit report: alt-text, SSC and DSC measured the same way, side by side, with flags where a
// synthetic caption differs sharply from the ground truth. Those are the habits the recaptioning recipe
// warns about: a text-to-image model trained on them learns the captioner's style (stock openings, fixed
// punctuation, uniform length, loops) and then expects it in every prompt.
import type { ManifestRecord } from '../../shared/record.js';
import { sharedBins, summarize, WholeNumberCounts, type Bin, type LengthSummary } from '../text/distribution.js';
import { endsWithPeriod, LOOP_WORDS, LOOP_MIN_TIMES, PHRASE_WORDS, startsCapitalised } from '../text/text-features.js';
import { captionTextsOf, type CaptionTexts } from './caption-texts.js';
import type { PhraseCounts } from './phrase-counts.js';
import { HashCounts, TextMeasurer, type MeasuredIds } from './text-measures.js';
import { CaptionDefects, type JustMeasured } from './caption-defects.js';
import { topCounts, topRepeated, type PhraseCount } from './top-counts.js';

export { TEXT_SOURCES, type TextSource } from '../../shared/record.js';
import { TEXT_SOURCES, type TextSource } from '../../shared/record.js';
import type { DefectSummary } from '../dataset/defect-counter.js';
import { AuditTally, type AuditStats } from './audit.js';

export type { PhraseCount } from './top-counts.js';

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
    /** n-grams by the number of captions they repeat in; null when the report was not asked for them (loopPhrases). */
    top: PhraseCount[] | null;
    /** Captions with their most repeated n-gram; null as `top`. */
    examples: LoopExample[] | null;
  };
  duplicates: {
    /** Captions whose text (ignoring case and spacing) another caption of the same source also has. */
    count: number;
    share: number;
    top: PhraseCount[];
  };
  /** Alignment scores of this source's texts (see recaption score); null when none is scored. */
  scores: { count: number; summary: LengthSummary } | null;
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
  /**
   * Whether looping n-grams are counted by phrase (loops.top, loops.examples). The report panels show them;
   * a dataset card shows only the share of captions that loop, and finding every looping n-gram of every
   * caption is a large part of a million-record export.
   */
  loopPhrases: boolean;
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
  loopN: LOOP_WORDS,
  loopMinTimes: LOOP_MIN_TIMES,
  loopPhrases: true,
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
  /** What could not be judged and why (too few texts), so "no flags" is never read as "no habits". */
  notes: string[];
  /** The models whose scores the report shows (usually one). */
  scoreModels: string[];
  /** Records with each defect flag (dataset/defect-counter.ts). */
  defects: DefectSummary;
  audit: AuditStats;
  options: HabitReportOptions;
}

/**
 * One source's counts, gathered text by text as the records stream by: nothing holds the texts themselves
 * (a million records' captions would be about a gigabyte), only lengths, phrase counts and text hashes.
 */
class SourceTally {
  readonly lengths = new WholeNumberCounts();
  readonly scores: number[] = [];
  article = 0;
  period = 0;
  capital = 0;
  looping = 0;
  readonly openings: PhraseCounts;
  readonly closings: PhraseCounts;
  private readonly loopGrams: PhraseCounts;
  /**
   * Identity (case and spacing ignored) by hash; the text is kept from its second occurrence, for the top
   * list, and made its identity only if it makes the list.
   */
  private readonly identities = new HashCounts();
  private readonly repeated = new Map<number, string>();
  private examples: LoopExample[] = [];
  /** Once the examples were cut to the best `top`, the fewest times among them: fewer can never be shown. */
  private exampleFloor = 0;

  private readonly measurer: TextMeasurer;

  constructor(private readonly o: HabitReportOptions) {
    this.measurer = new TextMeasurer(o.loopN, o.loopMinTimes, PHRASE_WORDS, undefined, o.loopPhrases);
    ({ openings: this.openings, closings: this.closings, loops: this.loopGrams } = this.measurer.tables);
  }

  /** Counts the text in; returns its measures (until the next text). */
  add(fileName: string, text: string, score: number | undefined): MeasuredIds {
    // Measured from one scan of the text (this runs for every text of the dataset), phrases as ids.
    const m = this.measurer.measureIds(text);
    this.lengths.add(m.words);
    if (typeof score === 'number') this.scores.push(score);
    if (m.startsWithArticle) this.article++;
    if (endsWithPeriod(text)) this.period++;
    if (startsCapitalised(text)) this.capital++;
    this.openings.bump(m.opening);
    this.closings.bump(m.closing);
    const key = m.identityHash;
    const seen = this.identities.bump(key);
    if (seen === 2) this.repeated.set(key, text);
    if (m.looping) this.looping++;
    if (m.loops > 0) {
      const grams = this.loopGrams;
      // The best loop: most times, then first in code-unit order (repeatedNgramsIn's first).
      let best = 0;
      for (let r = 0; r < m.loops; r++) {
        const id = m.loopIds[r]!;
        grams.bump(id);
        const times = m.loopTimes[r]!;
        const bestTimes = m.loopTimes[best]!;
        if (r > 0 && (times > bestTimes || (times === bestTimes && grams.phrase(id) < grams.phrase(m.loopIds[best]!)))) best = r;
      }
      const times = m.loopTimes[best]!;
      if (times >= this.exampleFloor) this.addExample({ fileName, ngram: grams.phrase(m.loopIds[best]!), times });
    }
    return m;
  }

  private addExample(example: LoopExample): void {
    this.examples.push(example);
    // Only the best `top` examples are shown: keep a few times that many, not one per looping caption.
    if (this.examples.length <= 4 * this.o.top) return;
    this.examples = bestExamples(this.examples, this.o.top);
    this.exampleFloor = this.examples[this.examples.length - 1]?.times ?? 0;
  }

  report(source: TextSource, bins: readonly Bin[]): SourceReport {
    const o = this.o;
    const total = this.lengths.count;
    let duplicated = 0;
    for (const n of this.identities.values()) if (n > 1) duplicated += n;
    const duplicates = topRepeated(this.repeated, this.identities, o.top);
    return {
      source,
      count: total,
      words: this.lengths.summary(),
      histogram: this.lengths.histogram(bins),
      startsWithArticle: share(this.article, total),
      endsWithPeriod: share(this.period, total),
      capitalised: share(this.capital, total),
      openings: topCounts(this.openings, total, o.top),
      closings: topCounts(this.closings, total, o.top),
      loops: {
        count: this.looping,
        share: share(this.looping, total),
        top: o.loopPhrases ? topCounts(this.loopGrams, total, o.top) : null,
        examples: o.loopPhrases ? bestExamples(this.examples, o.top) : null,
      },
      duplicates: { count: duplicated, share: share(duplicated, total), top: topCounts(duplicates, total, o.top, 2) },
      scores: this.scores.length > 0 ? { count: this.scores.length, summary: summarize(this.scores) } : null,
    };
  }
}

function bestExamples(examples: LoopExample[], top: number): LoopExample[] {
  return examples.sort((a, b) => b.times - a.times || (a.fileName < b.fileName ? -1 : 1)).slice(0, top);
}

function share(n: number, total: number): number {
  return total === 0 ? 0 : n / total;
}

const NAMES: Record<TextSource, string> = { alt: 'alt-text', ssc: 'SSC', dsc: 'DSC' };
const pct = (x: number) => `${Math.round(x * 100)}%`;

function flagsFor(syn: SourceReport, gt: SourceReport, gtPhrases: { openings: PhraseCounts; closings: PhraseCounts }, o: HabitReportOptions): HabitFlag[] {
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
  const records = 'records' in from && typeof from.records === 'function' ? from.records() : (from as Iterable<ManifestRecord>);
  const builder = new HabitReportBuilder(options);
  // One pass, records streamed: a manifest of any size is read once and never held.
  for (const record of records) builder.add(record);
  return builder.finish();
}

/** What a report says of the texts alone: all of it but the audit (RecordTallies). */
export type HabitTextReport = Omit<HabitReport, 'audit'>;

/** The counts of whole records a report carries beside its texts': the audit. */
export class RecordTallies {
  private readonly audit = new AuditTally();

  add(record: ManifestRecord): void {
    this.audit.add(record);
  }

  /** The report whose texts are `texts` and whose records were added here. */
  report(texts: HabitTextReport): HabitReport {
    const { records, bins, sources, flags, notes, scoreModels, defects, options } = texts;
    return { records, bins, sources, flags, notes, scoreModels, defects, audit: this.audit.result(), options };
  }
}

/** The report built record by record; the texts' part alone (addCaptionTexts) can be built apart from the records'. */
export class HabitReportBuilder {
  private readonly o: HabitReportOptions;
  private readonly tallies: Record<TextSource, SourceTally>;
  private readonly records = new RecordTallies();
  private readonly defects: CaptionDefects;
  private readonly measured: JustMeasured = { alt: null, ssc: null, dsc: null };
  private readonly scoreModels = new Set<string>();
  private count = 0;

  constructor(options: Partial<HabitReportOptions> = {}) {
    const o = (this.o = { ...DEFAULT_REPORT_OPTIONS, ...options });
    this.tallies = { alt: new SourceTally(o), ssc: new SourceTally(o), dsc: new SourceTally(o) };
    this.defects = new CaptionDefects(o.loopN === LOOP_WORDS && o.loopMinTimes === LOOP_MIN_TIMES);
  }

  add(record: ManifestRecord): void {
    this.records.add(record);
    this.addCaptionTexts(captionTextsOf(record));
  }

  /**
   * Measures what the report reads of a record's texts only (a thread of its own is sent no more): its
   * defect flags and audit are left to a RecordTallies elsewhere.
   */
  addCaptionTexts(texts: CaptionTexts): void {
    const { tallies } = this;
    this.count++;
    if (texts.scoreModel) this.scoreModels.add(texts.scoreModel);
    const { measured } = this;
    for (const source of TEXT_SOURCES) {
      const value = texts[source];
      measured[source] = value && value.text.trim() !== '' ? tallies[source].add(texts.fileName, value.text, value.score) : null;
    }
    // The defect flags from the same scans.
    this.defects.add(texts, measured);
  }

  finish(): HabitReport {
    return this.records.report(this.finishTexts());
  }

  finishTexts(): HabitTextReport {
    const { o, tallies, scoreModels, count } = this;
    let maxWords = 0;
    for (const s of TEXT_SOURCES) maxWords = Math.max(maxWords, tallies[s].lengths.max);
    const bins = sharedBins(maxWords, o.maxBins);
    const sources = { alt: tallies.alt.report('alt', bins), ssc: tallies.ssc.report('ssc', bins), dsc: tallies.dsc.report('dsc', bins) };
    // Ground-truth phrase counts in full, not just its top list: a stock phrase is compared with its exact share there.
    const gtPhrases = { openings: tallies.alt.openings, closings: tallies.alt.closings };
    const flags = [...flagsFor(sources.ssc, sources.alt, gtPhrases, o), ...flagsFor(sources.dsc, sources.alt, gtPhrases, o)];
    return { records: count, bins, sources, flags, notes: judgementNotes(sources, o), scoreModels: [...scoreModels].sort(), defects: this.defects.summary(), options: o };
  }
}

/** Sources with too few texts to judge, and a ground truth too small to compare with. */
function judgementNotes(sources: Record<TextSource, SourceReport>, o: HabitReportOptions): string[] {
  const notes: string[] = [];
  for (const source of ['ssc', 'dsc'] as const) {
    const n = sources[source].count;
    if (n > 0 && n < o.minCount) notes.push(`too few ${NAMES[source]}s to judge: ${n}, and ${o.minCount} are needed`);
  }
  const gt = sources.alt.count;
  const judged = (['ssc', 'dsc'] as const).some((s) => sources[s].count >= o.minCount);
  if (judged && gt < o.minCount) {
    notes.push(`too few alt-texts to compare with (${gt}; ${o.minCount} are needed): habits were judged on the synthetic captions alone`);
  }
  return notes;
}
