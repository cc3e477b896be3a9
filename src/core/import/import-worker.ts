// The import worker's entry (bundled as dist/import-worker.js): every byte of a foreign file (a Parquet
// footer and its pages, a tar shard) is parsed here, in a thread with a bounded heap that the import
// stops when it is stuck or asked to stop, so a hostile file costs one error message. It answers one
// request at a time (import-worker-protocol.ts) and keeps one file open between requests.
import { parentPort } from 'node:worker_threads';
import { ImportError } from './import-errors.js';
import { MAX_KEY_CHARS, MAX_TEXT_MEMBER_BYTES } from './import-limits.js';
import type { RowBatch } from './import-rows.js';
import type { ShardLimits, WorkerEnvelope, WorkerReply, WorkerRequest } from './import-worker-protocol.js';
import { ParquetFile } from './parquet-file.js';
import { parquetRowBatches, planParquetFile } from './parquet-rows.js';
import { BatchPacker } from './row-batches.js';
import { checkShardHead, readShard, sampleCaption } from './webdataset-shard.js';
import type { SourceFile } from './source-files.js';

type Stream = AsyncGenerator<{ batch: RowBatch; transfer: ArrayBuffer[] }>;

const port = parentPort;
if (!port) throw new Error('import-worker.js runs as a worker thread');

let open: ParquetFile | null = null;
let stream: Stream | null = null;
let lastAlive = 0;

/** Tells the import this thread is working, at most every 100 ms. */
function alive(): void {
  const now = performance.now();
  if (now - lastAlive < 100) return;
  lastAlive = now;
  port!.postMessage({ alive: true } satisfies WorkerReply);
}

async function parquet(file: SourceFile): Promise<ParquetFile> {
  if (open?.source.abs === file.abs) return open;
  await open?.close();
  open = null;
  open = await ParquetFile.open(file);
  return open;
}

async function* shardBatches(file: SourceFile, limits: ShardLimits): Stream {
  const packer = new BatchPacker();
  let position = 0;
  const samples = readShard(file, { maxImageBytes: limits.maxImageBytes, maxTextBytes: MAX_TEXT_MEMBER_BYTES }, (bytes) => {
    position = bytes;
    alive();
  });
  for await (const sample of samples) {
    const caption = sampleCaption(sample.texts);
    const image = sample.key.length > MAX_KEY_CHARS ? { skip: 'key too long' as const, detail: `${sample.key.length} characters` } : 'member' in sample.image ? { bytes: sample.image.bytes } : sample.image;
    packer.add({ key: sample.key.slice(0, MAX_KEY_CHARS), image, caption });
    if (packer.full) yield packer.take(position);
  }
  if (!packer.isEmpty) yield packer.take(position);
}

async function handle(request: WorkerRequest): Promise<{ value: unknown; transfer?: ArrayBuffer[] }> {
  switch (request.op) {
    case 'plan-parquet':
      return { value: planParquetFile(await parquet(request.file), request.named, request.limits) };
    case 'plan-shard':
      await checkShardHead(request.file);
      return { value: null };
    case 'open-row-group': {
      await stream?.return(undefined);
      stream = parquetRowBatches(await parquet(request.file), request.group, request.choice, request.limits, alive);
      return { value: null };
    }
    case 'open-shard':
      await stream?.return(undefined);
      stream = shardBatches(request.file, request.limits);
      return { value: null };
    case 'next': {
      if (!stream) return { value: { batch: null } };
      const next = await stream.next();
      if (next.done) {
        stream = null;
        return { value: { batch: null } };
      }
      return { value: { batch: next.value.batch }, transfer: next.value.transfer };
    }
    case 'close':
      await stream?.return(undefined);
      stream = null;
      await open?.close();
      open = null;
      return { value: null };
  }
}

port.on('message', ({ seq, request }: WorkerEnvelope) => {
  handle(request).then(
    ({ value, transfer }) => port.postMessage({ seq, ok: true, value } satisfies WorkerReply, transfer ?? []),
    (err: unknown) => {
      // Every parser turns what it finds into an ImportError; anything else is a fault of the reader's.
      const name = 'file' in request ? request.file.name : 'the file';
      const error = err instanceof ImportError ? { code: err.code, message: err.message } : { code: 'corrupt' as const, message: `${name}: the reader failed (${err instanceof Error ? err.message : String(err)})` };
      port.postMessage({ seq, ok: false, error } satisfies WorkerReply);
    },
  );
});
