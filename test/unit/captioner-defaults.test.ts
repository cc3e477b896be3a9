// The captioner's defaults are defined once in code (src/core/captioner/defaults.ts); package.json's setting
// defaults, which VS Code shows and applies, must say the same.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { DEFAULT_CAPTION_MODEL, DEFAULT_MAX_PIXELS } from '../../src/core/captioner/defaults.js';
import { DEFAULT_SCORE_MODEL } from '../../src/core/scoring/defaults.js';

interface Manifest {
  contributes: { configuration: { properties: Record<string, { default?: unknown }> } };
}

test('package.json\'s setting defaults are the code\'s defaults', () => {
  const pkg = JSON.parse(readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as Manifest;
  const settings = pkg.contributes.configuration.properties;
  assert.equal(settings['recaption.model']!.default, DEFAULT_CAPTION_MODEL);
  assert.equal(settings['recaption.maxPixels']!.default, DEFAULT_MAX_PIXELS);
  assert.equal(settings['recaption.scoreModel']!.default, DEFAULT_SCORE_MODEL);
});
