// One source's tallies for the habit report (alt-text, SSC or DSC): lengths, habits, phrase counts, loops
// and the identities of its texts, counted text by text as the records stream by.
import type { TextSource } from '../../shared/record.js';
import { summarize, WholeNumberCounts, type Bin } from '../text/distribution.js';
import { IdentityHasher } from '../text/identity-hash.js';
import { endsWithPeriod, PHRASE_WORDS, startsCapitalised } from '../text/text-features.js';
import type { HabitReportOptions, LoopExample, SourceReport } from './habit-report-types.js';
import type { PhraseCounts } from './phrase-counts.js';
import { HashCounts, TextMeasurer, type MeasuredIds } from './text-measures.js';
import { RepeatedTexts, topCounts } from './top-counts.js';

/**
 * One source's counts, gathered text by text as the records stream by: nothing holds the texts themselves
 * (a million records' captions would be about a gigabyte), only lengths, phrase counts and text hashes.
 */
export class SourceTally {
  /** Every non-blank text counted; `lengths.count` of them measured in full. */
  texts = 0;
  /** The words of the texts measured in full. */
  readonly lengths = new WholeNumberCounts();
  readonly scores: number[] = [];
  article = 0;
  period = 0;
  capital = 0;
  looping = 0;
  readonly openings: PhraseCounts;
  readonly closings: PhraseCounts;
  private readonly loopGrams: PhraseCounts;
  /** Identity (case and spacing ignored) by hash; the texts that can make the top list of duplicates are kept. */
  private readonly identities = new HashCounts();
  private readonly repeated: RepeatedTexts;
  private examples: LoopExample[] = [];
  /** Once the examples were cut to the best `top`, the fewest times among them: fewer can never be shown. */
  private exampleFloor = 0;

  private readonly measurer: TextMeasurer;
  private readonly identityHasher = new IdentityHasher();

  constructor(private readonly o: HabitReportOptions) {
    this.repeated = new RepeatedTexts(this.identities, o.top);
    this.measurer = new TextMeasurer(o.loopN, o.loopMinTimes, PHRASE_WORDS, undefined, o.loopPhrases);
    ({ openings: this.openings, closings: this.closings, loops: this.loopGrams } = this.measurer.tables);
  }

  /** Counts the text in, measured in full; returns its measures (until the next text). */
  add(fileName: string, text: string, score: number | undefined): MeasuredIds {
    // Measured from one scan of the text (this runs for every text of the dataset), phrases as ids.
    const m = this.measurer.measureIds(text);
    this.lengths.add(m.words);
    this.counted(text, score, m.identityHash);
    if (m.startsWithArticle) this.article++;
    if (endsWithPeriod(text)) this.period++;
    if (startsCapitalised(text)) this.capital++;
    this.openings.bump(m.opening);
    this.closings.bump(m.closing);
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

  /** Counts the text in without measuring it: its identity (for duplicates) and its score only. */
  addUnmeasured(text: string, score: number | undefined): void {
    this.counted(text, score, this.identityHasher.hash(text));
  }

  private counted(text: string, score: number | undefined, identityHash: number): void {
    this.texts++;
    if (typeof score === 'number') this.scores.push(score);
    const count = this.identities.bump(identityHash);
    if (count > 1) this.repeated.counted(identityHash, text, count);
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
    // Shares of a measure are of the texts measured; of identity, of every text.
    const measured = this.lengths.count;
    const texts = this.texts;
    let duplicated = 0;
    for (const n of this.identities.values()) if (n > 1) duplicated += n;
    const duplicates = this.repeated.candidates();
    return {
      source,
      count: texts,
      measured,
      words: this.lengths.summary(),
      histogram: this.lengths.histogram(bins),
      startsWithArticle: share(this.article, measured),
      endsWithPeriod: share(this.period, measured),
      capitalised: share(this.capital, measured),
      openings: topCounts(this.openings, measured, o.top),
      closings: topCounts(this.closings, measured, o.top),
      loops: {
        count: this.looping,
        share: share(this.looping, measured),
        top: o.loopPhrases ? topCounts(this.loopGrams, measured, o.top) : null,
        examples: o.loopPhrases ? bestExamples(this.examples, o.top) : null,
      },
      duplicates: { count: duplicated, share: share(duplicated, texts), top: topCounts(duplicates, texts, o.top, 2) },
      scores: this.scores.length > 0 ? { count: this.scores.length, summary: summarize(this.scores) } : null,
    };
  }
}

function bestExamples(examples: LoopExample[], top: number): LoopExample[] {
  return examples.sort((a, b) => b.times - a.times || (a.fileName < b.fileName ? -1 : 1)).slice(0, top);
}

export function share(n: number, total: number): number {
  return total === 0 ? 0 : n / total;
}
