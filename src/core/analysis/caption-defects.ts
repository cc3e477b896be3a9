// The defect flags of records given as their texts (caption-texts.ts), counted beside the habit report
// from the scans its measures took: a card reports both, and scanning each caption once instead of twice
// is a large part of what a card costs an export of a million records.
import { TEXT_SOURCES, type TextSource } from '../../shared/record.js';
import { DefectCounter, type DefectSummary } from '../dataset/defect-counter.js';
import { ownBitsOfScans, type ScannedCaption } from '../dataset/defect-bits.js';
import { LOOP_MIN_TIMES, LOOP_WORDS } from '../text/text-features.js';
import { TokenScan } from '../text/token-scan.js';
import type { CaptionText, CaptionTexts } from './caption-texts.js';
import type { MeasuredIds } from './text-measures.js';

/** Per source, the measures just taken of its text; null for a text that is absent or blank (not measured). */
export type JustMeasured = Record<TextSource, MeasuredIds | null>;

export class CaptionDefects {
  /**
   * `loopsAsFlags`: the measures' loops are the defect flag's (LOOP_WORDS words, LOOP_MIN_TIMES times);
   * otherwise (a report asked for other loops) the flag's are found on the scan.
   */
  constructor(private readonly loopsAsFlags: boolean) {}

  private readonly counter = new DefectCounter();
  private readonly words = new Float32Array(TEXT_SOURCES.length);
  private readonly scores = new Float64Array(TEXT_SOURCES.length);
  /** A blank caption's scan (no tokens: nothing to compare, no loop). */
  private readonly blank = new TokenScan().scan('');
  private readonly ssc: ScannedCaption = { text: '', stopped: false, scan: this.blank, loops: false };
  private readonly dsc: ScannedCaption = { text: '', stopped: false, scan: this.blank, loops: false };

  /** Counts one record's flags; `measured` holds the measures of its texts, taken just before. */
  add(texts: CaptionTexts, measured: JustMeasured): void {
    // A record whose image is not there gets no flags and no row, as in a stats pass.
    if (texts.missing) return;
    for (const [k, source] of TEXT_SOURCES.entries()) {
      const value = texts[source];
      // A blank text is there with no words.
      this.words[k] = value ? (measured[source]?.words ?? 0) : NaN;
      this.scores[k] = typeof value?.score === 'number' ? value.score : NaN;
    }
    const ssc = texts.ssc ? this.scanned(this.ssc, texts.ssc, measured.ssc) : null;
    const dsc = texts.dsc ? this.scanned(this.dsc, texts.dsc, measured.dsc) : null;
    this.counter.addRow(ownBitsOfScans(ssc, dsc), this.words, this.scores);
  }

  summary(): DefectSummary {
    return this.counter.summary();
  }

  private scanned(into: ScannedCaption, caption: CaptionText, measures: MeasuredIds | null): ScannedCaption {
    into.text = caption.text;
    into.stopped = caption.stopped;
    into.scan = measures ? measures.scan : this.blank;
    into.loops = measures !== null && (this.loopsAsFlags ? measures.looping : measures.scan.hasRepeat(LOOP_WORDS, LOOP_MIN_TIMES));
    return into;
  }
}
