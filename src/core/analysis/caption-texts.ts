// What the habit report reads of a record: its name, its three texts with their scores, and the model
// that scored them, and what the defect flags need besides (whether the image is there, which captions were
// cut short). An export's card thread is sent these and no more (a whole record costs more to send).
import type { ManifestRecord, TextSource } from '../../shared/record.js';

export interface CaptionText {
  text: string;
  score: number | undefined;
  /** A caption the captioner stopped at its token limit (finish "length"), for the defect flags. */
  stopped: boolean;
}

export type CaptionTexts = {
  fileName: string;
  scoreModel: string | undefined;
  /** The image is not there: its texts are measured, but it gets no defect flags (as in a stats pass). */
  missing: boolean;
} & Record<TextSource, CaptionText | null | undefined>;

export function captionTextsOf(record: ManifestRecord): CaptionTexts {
  const { alt, ssc, dsc } = record;
  return {
    fileName: record.file_name,
    scoreModel: record.score_model,
    missing: record.missing === true,
    alt: alt && { text: alt.text, score: alt.score, stopped: false },
    ssc: ssc && { text: ssc.text, score: ssc.score, stopped: ssc.finish === 'length' },
    dsc: dsc && { text: dsc.text, score: dsc.score, stopped: dsc.finish === 'length' },
  };
}
