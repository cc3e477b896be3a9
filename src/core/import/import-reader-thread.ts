// The import's reader thread (import-worker.ts starts it): every byte of a foreign file (a Parquet footer
// and its pages, a tar shard) is parsed here, in a thread with a bounded heap that the import stops when
// it is stuck or asked to stop, so a hostile file costs one error message. It answers one request at a
// time (import-worker-protocol.ts) and keeps one file open between requests. Having answered one batch,
// it reads the next while the import writes (one batch ahead; the import asks one ahead too).
import type { MessagePort } from 'node:worker_threads';
import { ImportError } from './import-errors.js';
import { MAX_KEY_CHARS, MAX_TEXT_MEMBER_BYTES } from './import-limits.js';
import type { RowBatch } from './import-rows.js';
import type { ShardLimits, WorkerEnvelope, WorkerReply, WorkerRequest } from './import-worker-protocol.js';
import { ParquetFile } from './parquet-file.js';
import { parquetRowGroupsBatches, planParquetFile } from './parquet-rows.js';
import { BatchPacker } from './row-batches.js';
import { checkShardHead, readShard, sampleCaption } from './webdataset-shard.js';
import type { SourceFile } from './source-files.js';

type Stream = AsyncGenerator<{ batch: RowBatch; transfer: ArrayBuffer[] }>;

let port: MessagePort | null = null;
let open: ParquetFile | null = null;
let stream: Stream | null = null;
/** The stream's next batch, being read before it is asked for. */
let ahead: Promise<IteratorResult<{ batch: RowBatch; transfer: ArrayBuffer[] }>> | null = null;
let lastAlive = 0;

/** Tells the import this thread is working, at most every 100 ms. */
function alive(): void {
  const now = performance.now();
  if (now - lastAlive < 100) return;
  lastAlive = now;
  port?.postMessage({ alive: true } satisfies WorkerReply);
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

/** Ends the open stream, the batch read ahead of it included. */
async function endStream(): Promise<void> {
  await ahead?.catch(() => undefined);
  ahead = null;
  await stream?.return(undefined);
  stream = null;
}

async function handle(request: WorkerRequest): Promise<{ value: unknown; transfer?: ArrayBuffer[] }> {
  switch (request.op) {
    case 'plan-parquet':
      return { value: planParquetFile(await parquet(request.file), request.named, request.limits) };
    case 'plan-shard':
      await checkShardHead(request.file);
      return { value: null };
    case 'open-row-groups': {
      await endStream();
      stream = parquetRowGroupsBatches(await parquet(request.file), request.groups, request.choice, request.limits, alive);
      return { value: null };
    }
    case 'open-shard':
      await endStream();
      stream = shardBatches(request.file, request.limits);
      return { value: null };
    case 'next': {
      if (!stream) return { value: { batch: null } };
      const next = await (ahead ?? stream.next());
      ahead = null;
      if (next.done) {
        stream = null;
        return { value: { batch: null } };
      }
      ahead = stream.next();
      // Its failure is the answer to the next request; not left unhandled meanwhile.
      ahead.catch(() => undefined);
      return { value: { batch: next.value.batch }, transfer: next.value.transfer };
    }
    case 'close':
      await endStream();
      await open?.close();
      open = null;
      return { value: null };
  }
}

export function serveReads(reader: MessagePort): void {
  port = reader;
  reader.on('message', ({ seq, request }: WorkerEnvelope) => {
    handle(request).then(
      ({ value, transfer }) => reader.postMessage({ seq, ok: true, value } satisfies WorkerReply, transfer ?? []),
      (err: unknown) => {
        // Every parser turns what it finds into an ImportError; anything else is a fault of the reader's.
        const name = 'file' in request ? request.file.name : 'the file';
        const error = err instanceof ImportError ? { code: err.code, message: err.message } : { code: 'corrupt' as const, message: `${name}: the reader failed (${err instanceof Error ? err.message : String(err)})` };
        reader.postMessage({ seq, ok: false, error } satisfies WorkerReply);
      },
    );
  });
}
