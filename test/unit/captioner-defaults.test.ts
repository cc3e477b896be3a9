// The defaults are defined once in code (src/core/captioner/defaults.ts, src/core/limits.ts, the remote
// endpoint's and the Hub's modules); package.json's setting defaults, which VS Code shows and applies, must
// say the same.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { DEFAULT_CAPTION_MODEL } from '../../src/core/captioner/defaults.js';
import { DEFAULT_CONCURRENCY, DEFAULT_MAX_SIDE, DEFAULT_TEMPERATURE, DEFAULT_TIMEOUT_MS } from '../../src/core/captioner/remote/index.js';
import { DEFAULT_HUB_ENDPOINT } from '../../src/core/hub/index.js';
import { DEFAULT_MAX_IMAGE_BYTES, DEFAULT_MAX_PIXELS } from '../../src/core/limits.js';
import { DEFAULT_SCORE_MODEL } from '../../src/core/scoring/defaults.js';

interface Manifest {
  contributes: { configuration: { properties: Record<string, { default?: unknown }> } };
}

test('package.json\'s setting defaults are the code\'s defaults', () => {
  const pkg = JSON.parse(readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as Manifest;
  const settings = pkg.contributes.configuration.properties;
  assert.equal(settings['recaption.model']!.default, DEFAULT_CAPTION_MODEL);
  assert.equal(settings['recaption.maxPixels']!.default, DEFAULT_MAX_PIXELS);
  assert.equal(settings['recaption.maxImageBytes']!.default, DEFAULT_MAX_IMAGE_BYTES);
  assert.equal(settings['recaption.scoreModel']!.default, DEFAULT_SCORE_MODEL);
  assert.equal(settings['recaption.remote.concurrency']!.default, DEFAULT_CONCURRENCY);
  assert.equal(settings['recaption.remote.timeoutSeconds']!.default, DEFAULT_TIMEOUT_MS / 1000);
  assert.equal(settings['recaption.remote.temperature']!.default, DEFAULT_TEMPERATURE);
  assert.equal(settings['recaption.remote.maxSide']!.default, DEFAULT_MAX_SIDE);
  assert.equal(settings['recaption.hub.endpoint']!.default, DEFAULT_HUB_ENDPOINT);
});
