// The import's threads' entry (bundled as dist/import-worker.js): the reader (the default role, which
// parses the foreign files: import-reader-thread.ts) or an image writer (workerData.role 'image-writer':
// image-write-thread.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { serveImageWrites } from './image-write-thread.js';
import { serveReads } from './import-reader-thread.js';
import { IMAGE_WRITER_ROLE } from './import-worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('import-worker.js runs as a worker thread');

if ((workerData as { role?: string } | null)?.role === IMAGE_WRITER_ROLE) serveImageWrites(port);
else serveReads(port);
