// The editor's review controller (src/webview/state/review-controller.ts) without a browser: drafts, commits,
// reviews and moves over the real page cache (RecordPages), whose host answers from an in-memory page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordPages } from '../../src/webview/state/record-pages.js';
import { ReviewController } from '../../src/webview/state/review-controller.js';
import type { EditRequest, PageResult, RecordView } from '../../src/shared/protocol.js';
import { EMPTY_QUERY } from '../../src/shared/record-query.js';
import type { WebviewChannel } from '../../src/webview/state/rpc.js';

function view(i: number): RecordView {
  return {
    fileName: `img-${i}.png`, index: i, width: 8, height: 8, alt: null, error: null, missing: false, image: '', thumb: null, flags: [],
    ssc: { text: `machine short ${i}`, by: 'model', model: 'm', review: null, score: 0.3 },
    dsc: i === 2 ? null : { text: `machine long ${i}`, by: 'model', model: 'm', review: null, finish: 'eos' },
  };
}

async function setup() {
  const records = [0, 1, 2, 3].map(view);
  // The host's side of the `page` request, as the provider answers it.
  const host = { request: async (_method: 'page', p: { offset: number; limit: number }): Promise<PageResult> => ({ total: records.length, offset: p.offset, records: records.slice(p.offset, p.offset + p.limit), error: null }) };
  const pages = new RecordPages(host as unknown as WebviewChannel, () => undefined);
  await pages.reset(EMPTY_QUERY);
  const sent: EditRequest[] = [];
  const controller = new ReviewController(pages, (r) => sent.push(r), 10);
  controller.moveTo(0);
  return { pages, controller, sent };
}

test('typed text is sent after a pause as a person\'s edit, shown at once with the provenance the host saves', async () => {
  const { pages, controller, sent } = await setup();
  controller.type('dsc', 'my\u2028words');
  assert.equal(controller.draftOf('img-0.png', 'dsc'), 'my\u2028words');
  assert.equal(sent.length, 0);
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(sent, [{ op: 'text', fileName: 'img-0.png', kind: 'dsc', text: 'my\u2028words' }]);
  const shown = pages.get(0)!.dsc!;
  assert.deepEqual({ text: shown.text, by: shown.by, original: shown.original, review: shown.review, finish: shown.finish }, { text: 'my\nwords', by: 'human', original: 'machine long 0', review: null, finish: undefined });
  assert.equal(controller.draftOf('img-0.png', 'dsc'), undefined);
});

test('moving sends the draft first; reviewing skips a missing caption; the same text is no edit', async () => {
  const { pages, controller, sent } = await setup();
  controller.type('ssc', 'machine short 0');
  controller.moveTo(2);
  assert.equal(sent.length, 0, 'the text is what was there: nothing to send');
  assert.deepEqual(controller.review(['ssc', 'dsc'], 'approved'), ['ssc'], 'image 2 has no DSC');
  assert.equal(pages.get(2)!.ssc!.review, 'approved');
  assert.deepEqual(sent, [{ op: 'review', fileName: 'img-2.png', kind: 'ssc', review: 'approved' }]);
  controller.type('ssc', 'a rewrite');
  controller.moveTo(9, 'extend');
  assert.equal(controller.selected, 3, 'clamped to the last image');
  assert.deepEqual(controller.selection.ranges(), [[2, 4]]);
  assert.equal(sent.at(-1)!.op, 'text');
  assert.equal(pages.get(2)!.ssc!.review, null, 'a new text clears the approval, as on the host');
});
