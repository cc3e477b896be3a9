// The caption habit report: alt-text, SSC and DSC measured the same way, side by side, with flags where a
// synthetic caption differs sharply from the ground truth. Those are the habits the recaptioning recipe
// warns about: a text-to-image model trained on them learns the captioner's style (stock openings, fixed
// punctuation, uniform length, loops) and then expects it in every prompt.
import type { ManifestRecord } from '../../shared/record.js';
import { sharedBins } from '../text/distribution.js';
import { LOOP_WORDS, LOOP_MIN_TIMES } from '../text/text-features.js';
import { AuditTally } from './audit.js';
import { captionTextsOf, type CaptionText, type CaptionTexts } from './caption-texts.js';
import { CaptionDefects, type JustMeasured } from './caption-defects.js';
import { flagsFor, judgementNotes } from './habit-flags.js';
import { DEFAULT_REPORT_OPTIONS, type HabitReport, type HabitReportOptions, type HabitTextReport } from './habit-report-types.js';
import { SourceTally } from './source-tally.js';

export { TEXT_SOURCES, type TextSource } from '../../shared/record.js';
import { TEXT_SOURCES, type TextSource } from '../../shared/record.js';
export type { PhraseCount } from './top-counts.js';
export * from './habit-report-types.js';

/** Records, or anything that lists them (a ManifestStore). */
export type RecordSource = Iterable<ManifestRecord> | { records(): Iterable<ManifestRecord> };

export function computeHabitReport(from: RecordSource, options: Partial<HabitReportOptions> = {}): HabitReport {
  const records = 'records' in from && typeof from.records === 'function' ? from.records() : (from as Iterable<ManifestRecord>);
  const builder = new HabitReportBuilder(options);
  // One pass, records streamed: a manifest of any size is read once and never held.
  for (const record of records) builder.add(record);
  return builder.finish();
}

/** The counts of whole records a report carries beside its texts': the audit. */
export class RecordTallies {
  private readonly audit = new AuditTally();

  add(record: ManifestRecord): void {
    this.audit.add(record);
  }

  /** The report whose texts are `texts` and whose records were added here. */
  report(texts: HabitTextReport): HabitReport {
    return { ...texts, audit: this.audit.result() };
  }
}

/** Whether a report counts the text: it is there and not blank. */
function isCounted(value: CaptionText | null | undefined): value is CaptionText {
  if (!value) return false;
  // Most texts start with a printable ASCII character: no need to trim them to know.
  const first = value.text.charCodeAt(0);
  return (first > 0x20 && first < 0x7f) || value.text.trim() !== '';
}

/** Counts a text's identity and score, when the report counts it. */
function countText(tally: SourceTally, value: CaptionText | null | undefined): void {
  if (isCounted(value)) tally.addUnmeasured(value.text, value.score);
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
  private measuredRecords = 0;

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
    this.measuredRecords++;
    if (texts.scoreModel) this.scoreModels.add(texts.scoreModel);
    const { measured } = this;
    for (const source of TEXT_SOURCES) {
      const value = texts[source];
      measured[source] = isCounted(value) ? tallies[source].add(texts.fileName, value.text, value.score) : null;
    }
    // The defect flags from the same scans.
    this.defects.add(texts, measured);
  }

  /**
   * Counts a record's texts without measuring them (a sampled report's records outside the sample): their
   * identities, so that duplicates stay exact, and their scores. No defect flags: those come from the measures.
   */
  countCaptionTexts(texts: CaptionTexts): void {
    this.count++;
    if (texts.scoreModel) this.scoreModels.add(texts.scoreModel);
    // Each source by name: a loop over the names made every load a keyed one, the most of this path's cost.
    const { tallies } = this;
    countText(tallies.alt, texts.alt);
    countText(tallies.ssc, texts.ssc);
    countText(tallies.dsc, texts.dsc);
  }

  finish(): HabitReport {
    return this.records.report(this.finishTexts());
  }

  finishTexts(): HabitTextReport {
    const { o, tallies, scoreModels, count, measuredRecords } = this;
    let maxWords = 0;
    for (const s of TEXT_SOURCES) maxWords = Math.max(maxWords, tallies[s].lengths.max);
    const bins = sharedBins(maxWords, o.maxBins);
    const sources = { alt: tallies.alt.report('alt', bins), ssc: tallies.ssc.report('ssc', bins), dsc: tallies.dsc.report('dsc', bins) };
    // Ground-truth phrase counts in full, not just its top list: a stock phrase is compared with its exact share there.
    const gtPhrases = { openings: tallies.alt.openings, closings: tallies.alt.closings };
    const flags = [...flagsFor(sources.ssc, sources.alt, gtPhrases, o), ...flagsFor(sources.dsc, sources.alt, gtPhrases, o)];
    return { records: count, measuredRecords, bins, sources, flags, notes: judgementNotes(sources, o), scoreModels: [...scoreModels].sort(), defects: this.defects.summary(), options: o };
  }
}
