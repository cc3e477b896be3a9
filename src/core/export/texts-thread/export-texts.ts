// The export's side of its texts thread (export-texts-worker.ts): each exported record goes to it as the card
// reads it, with its line's split, caption source and author for a format the thread writes. The review
// coverage and the audit are counted here; the habit report of the texts and, for hf, llava, openai and
// WebDataset or Parquet of captions only, the files come from the thread, finished and synced before it answers.
import type { RecordSampleOptions } from '../../analysis/record-sample.js';
import { ThreadedHabitReport } from '../../analysis/threaded-habit-report.js';
import type { ManifestRecord } from '../../../shared/record.js';
import { startBundledWorker } from '../../util/bundled-worker.js';
import { CARD_REPORT, cardFacts, countReview, emptyCoverage, type CardFacts } from '../card/card-facts.js';
import type { ExportSample } from '../types.js';
import { isShardFormat } from '../formats/index.js';
import { imageFacts, lineMark, type ExportTextsSetup, type LinesSetup } from './texts-protocol.js';

export class ExportTexts {
  private readonly review = emptyCoverage();
  private readonly habit: ThreadedHabitReport;
  private readonly withImageFacts: boolean;

  /**
   * `cardSample`: measure a seeded sample of the records' texts in full (null: every one); every text is
   * still counted, and so are duplicates. `lines`: the format whose captions the thread writes, if any.
   */
  constructor(cardSample: RecordSampleOptions | null, private readonly lines: LinesSetup | null) {
    this.withImageFacts = lines !== null && isShardFormat(lines.format);
    this.habit = new ThreadedHabitReport(
      { ...CARD_REPORT, sample: cardSample },
      {
        start: (setup) => startBundledWorker(__filename, __dirname, 'export-texts-worker', { workerData: { ...setup, lines } satisfies ExportTextsSetup }),
        name: "the export's texts thread",
      },
    );
  }

  /**
   * Adds an exported record and its sample; a promise when the caller must wait for the thread before adding
   * more. `expected`: the records the pass expects in all, which sets the share the card's sample measures.
   */
  add(record: ManifestRecord, sample: Pick<ExportSample, 'split' | 'source' | 'by' | 'image'>, expected = 0): Promise<void> | undefined {
    countReview(this.review, record);
    return this.habit.add(record, expected, this.lines ? lineMark(sample) : undefined, this.withImageFacts ? imageFacts(sample.image) : undefined);
  }

  /** The card's facts, once the thread has written and synced the lines. */
  async finish(): Promise<CardFacts> {
    return cardFacts(await this.habit.finish(), this.review);
  }

  /** Ends the thread of a pass given up; its files are closed unfinished. */
  stop(): Promise<void> {
    return this.habit.stop();
  }
}
