// Word counts counted by value (WholeNumberCounts) summarise and bin exactly as the plain functions do
// over the same values held and sorted: small and large values (past the dense range), ties, one value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { histogram, sharedBins, summarize, WholeNumberCounts } from '../../src/core/text/distribution.js';

test('counted word counts give the summary and histogram of the values themselves', () => {
  const value = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 65_000, max: 200_000 }));
  fc.assert(
    fc.property(fc.array(value, { maxLength: 300 }), fc.integer({ min: 1, max: 25 }), (values, maxBins) => {
      const counts = new WholeNumberCounts();
      for (const v of values) counts.add(v);
      assert.equal(counts.count, values.length);
      assert.deepEqual(counts.summary(), summarize(values));
      const bins = sharedBins(counts.max, maxBins);
      assert.deepEqual(counts.histogram(bins), histogram(values, bins));
    }),
    { numRuns: 500 },
  );
});
