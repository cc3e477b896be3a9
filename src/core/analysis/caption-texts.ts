// What the habit report reads of a record: its name, its three texts with their scores, and the model
// that scored them. An export's card thread is sent these and no more (a whole record costs more to send).
import type { ManifestRecord, TextSource } from '../../shared/record.js';

export interface CaptionText {
  text: string;
  score: number | undefined;
}

export type CaptionTexts = { fileName: string; scoreModel: string | undefined } & Record<TextSource, CaptionText | null | undefined>;

export function captionTextsOf(record: ManifestRecord): CaptionTexts {
  const { alt, ssc, dsc } = record;
  return {
    fileName: record.file_name,
    scoreModel: record.score_model,
    alt: alt && { text: alt.text, score: alt.score },
    ssc: ssc && { text: ssc.text, score: ssc.score },
    dsc: dsc && { text: dsc.text, score: dsc.score },
  };
}
