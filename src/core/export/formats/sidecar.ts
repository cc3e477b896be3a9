// kohya / OneTrainer layout: each image with a .txt of the same base name, under train/ and validation/.
// Those tools read each line of a sidecar as a separate caption, so line breaks inside a caption become
// spaces; --lines writes several captions on purpose, one per line.
import { promises as fs, writeFile } from 'node:fs';
import { promisify } from 'node:util';
import * as path from 'node:path';
import { cleanCaptionText } from '../../../shared/caption-text.js';
import type { ExportSample } from '../types.js';
import type { FormatWriter, WriterContext } from './writer.js';
import { DestinationNames } from '../destination-names.js';
import { InFlight } from '../in-flight.js';

/** Sidecar files being written at once. */
const WRITES_IN_FLIGHT = 64;

function sidecarName(sample: ExportSample): string {
  const dot = sample.fileName.lastIndexOf('.');
  const slash = sample.fileName.lastIndexOf('/');
  const stem = dot > slash + 1 ? sample.fileName.slice(0, dot) : sample.fileName;
  return `${sample.split}/${stem}.txt`;
}

export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

// The callback API: fs.promises.writeFile makes a FileHandle per file, whose collection lags far behind a
// million small writes (hundreds of MB held).
const writeNewFile = promisify(writeFile);

export function createSidecarWriter(context: WriterContext): FormatWriter {
  const claimed = new DestinationNames();
  const madeDirs = new Set<string>();
  // Small files are written many at a time: one write waiting for the previous costs a round trip each.
  const writes = new InFlight(WRITES_IN_FLIGHT);
  const write = (file: string, text: string): Promise<void> | undefined => writes.add(writeNewFile(file, text + '\n', { flag: 'wx' }));
  return {
    inlineImages: false,
    imageDestination: (sample) => `${sample.split}/${sample.fileName}`,
    // cat.jpg and cat.png would share cat.txt: the second one is skipped rather than given the wrong text.
    reserve(sample) {
      return claimed.claim(sidecarName(sample)) ? null : 'name-collision';
    },
    add(sample) {
      const file = path.join(context.root, ...sidecarName(sample).split('/'));
      const dir = path.dirname(file);
      // --lines: one caption per line, of which kohya and OneTrainer pick one at random each step.
      const text = context.lines && sample.lines ? sample.lines.map(oneLine).join('\n') : oneLine(cleanCaptionText(sample.caption));
      if (madeDirs.has(dir)) return write(file, text);
      return fs.mkdir(dir, { recursive: true }).then(() => {
        madeDirs.add(dir);
        return write(file, text);
      });
    },
    close: () => writes.settle(),
    async abort() {
      await writes.settle().catch(() => undefined);
    },
  };
}
