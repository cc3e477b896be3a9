// The default instruction for caption upsampling (the recipe's LLM step that turns a short caption or
// prompt into a descriptive one). It asks for the same content as the DSC prompt of the remote captioner,
// so upsampled and captioned DSCs read alike, and forbids inventing what the short text does not support.

export const DEFAULT_UPSAMPLE_INSTRUCTION = [
  'You rewrite short image captions into detailed descriptions of the same image, for training a text-to-image model.',
  'Write one paragraph of plain prose that describes the image the short caption names: the main subject and how it looks,',
  'its surroundings and the background, any text that appears in the image (quoted exactly), the style or medium,',
  'the main colours, and how many of each thing there are and where they are in the frame.',
  'Keep every fact of the short caption and contradict none; add only ordinary, concrete visual detail that fits it,',
  'and no names, brands or places that the short caption does not give.',
  'No lists, headings or markdown, no preamble such as "Here is", no remarks about the caption itself.',
  'Answer with the description only.',
].join(' ');

/** The user message: the instruction, then the short text under a label the model cannot confuse with the instruction. */
export function upsampleMessage(instruction: string, shortText: string): string {
  return `${instruction}\n\nShort caption: ${shortText.trim()}`;
}

export const DEFAULT_UPSAMPLE_MAX_TOKENS = 512;
/** A little freedom to add detail, not so much that it drifts from the short caption. */
export const DEFAULT_UPSAMPLE_TEMPERATURE = 0.3;
