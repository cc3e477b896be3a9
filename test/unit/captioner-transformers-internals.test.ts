// transformers.js internals the Florence-2 family calls or patches (florence2.ts): present in the pinned
// version, checked on the real classes loaded from the tiny model. An upgrade that drops one fails here,
// and at load time for users, with the member's name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AutoProcessor, Florence2ForConditionalGeneration } from '@huggingface/transformers';
import { missingTransformersInternals } from '../../src/core/captioner/local/families/florence2.js';
import { TINY_FLORENCE2 } from './captioner-fixture.js';

test('the pinned transformers.js has every internal the Florence-2 family uses', async () => {
  const model = await Florence2ForConditionalGeneration.from_pretrained(TINY_FLORENCE2, { device: 'cpu', dtype: 'fp32', local_files_only: true });
  const processor = await AutoProcessor.from_pretrained(TINY_FLORENCE2, { local_files_only: true });
  try {
    assert.deepEqual(missingTransformersInternals(model, processor), [], 'transformers.js no longer has these; florence2.ts must change with the upgrade');
    // And the check can tell: the same objects without one member are reported by its name.
    const without = Object.create(model) as Record<string, unknown>;
    without._merge_input_ids_with_image_features = undefined;
    assert.deepEqual(missingTransformersInternals(without, processor), ['Florence2ForConditionalGeneration._merge_input_ids_with_image_features']);
  } finally {
    await model.dispose();
  }
});
