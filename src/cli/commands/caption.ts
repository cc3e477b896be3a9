import { promises as fs } from 'node:fs';
import { REDO_POLICIES, type RedoPolicy } from '../../core/captioner/pipeline.js';
import { runCaptionJob } from '../../core/captioner/caption-job.js';
import { DEFAULT_BATCH_SIZE, DEFAULT_CAPTION_MODEL } from '../../core/captioner/defaults.js';
import { DEFAULT_MAX_PIXELS } from '../../core/limits.js';
import { BackendStoppedError } from '../../core/captioner/backend.js';
import { EngineCaptionBackend } from '../../core/engine/engine-captioner.js';
import { engineEnvironment } from '../../core/engine/engine-environment.js';
import { ManifestStore } from '../../core/dataset/manifest-store.js';
import type { ManifestAccess } from '../../core/dataset/manifest-access.js';
import { openShardStore, shardManifestName } from '../../core/dataset/shard.js';
import { remoteBackendFromCli, remoteCaptionOptionHelp, remoteCaptionOptionSpec, shardFromCli } from './remote-options.js';
import { CAPTION_KINDS, MANIFEST_NAME, type CaptionKind } from '../../shared/record.js';
import { CliError } from '../cli-error.js';
import { CANCELLED_EXIT, abortOnSigint, choiceOption, intOption, parseFolderArgs, type CliCommand } from '../command.js';
import { DEVICE_REQUESTS } from '../../core/captioner/local/device-requests.js';
import { DTYPE_REQUESTS } from '../../core/captioner/local/dtype.js';
import { DECODE_LOOPS } from '../../core/captioner/local/families/family.js';
import { createProgressLine } from '../progress.js';
import { warnProblems, writeErr } from '../terminal-text.js';


const help = `usage: recaption caption <folder> [--model <folder|hub id>] [--device auto|cuda|webgpu|cpu] [--dtype auto|fp32|fp16|q8|q4|q4f16]
                        [--batch-size N] [--tasks ssc,dsc] [--redo missing|machine|errors] [options]

Writes the short (SSC) and descriptive (DSC) synthetic captions of every image into <folder>/${MANIFEST_NAME}
with a local model, after scanning the folder (only new and changed images are read). The model runs in
its own process, so a crash there loses no saved caption. Human-written and reviewed
captions are never replaced. Ctrl-C stops after the batch in flight and keeps what is done; running
again resumes.

  --model M          a model folder in Hugging Face ONNX layout, or a hub id downloaded once into the
                     model cache (default ${DEFAULT_CAPTION_MODEL})
  --device D         auto (CUDA, then WebGPU, then CPU) or one device; default auto
  --dtype T          weight precision; auto picks fp16 on a GPU and q8 on the CPU (or what the model has)
  --decode-loop L    own (default: Recaption's greedy loop) or generate (transformers.js's, to compare)
  --batch-size N     images per inference batch (default: ${DEFAULT_BATCH_SIZE.cpu} on the CPU, ${DEFAULT_BATCH_SIZE.cuda} on a GPU)
  --tasks LIST       ssc, dsc or ssc,dsc (default: both, or what the model can write)
  --redo R           missing: only what has no caption (default); machine: redo machine captions;
                     errors: also retry images that failed before
  --dsc-task TOKEN   Florence-2 task for the DSC (default <MORE_DETAILED_CAPTION>, e.g. <DETAILED_CAPTION>)
  --drop-closing     drop the model's stock closing sentence ("The overall mood of the image is ...")
  --max-new-tokens N cap on generated tokens per caption
  --cache-dir DIR    where hub models are kept (default $RECAPTION_MODEL_CACHE or ~/.cache/recaption/models)
  --max-pixels N     refuse images with more pixels than N (default ${DEFAULT_MAX_PIXELS})
  --follow-external-links  follow symbolic links out of the folder when scanning and captioning (off: such
                     images are skipped by the scan and refused by the captioner, named in a warning)
  --no-scan          caption what the manifest lists without scanning the folder first
  --shard i/N        caption only shard i of N (0-based: 0/N ... N-1/N) into its own manifest
                     recaption.shard-IIII-of-NNNN.jsonl, so N jobs can run at once over one folder;
                     needs the folder scanned once first ("recaption scan"); "recaption merge" folds them in

remote backend (--backend openai): a vision model served behind an OpenAI-compatible API
  --backend B        local (default) or openai (the default when --endpoint is given)
${remoteCaptionOptionHelp}`;

function parseTasks(value: string | undefined): CaptionKind[] | undefined {
  if (value === undefined) return undefined;
  const tasks = value.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean);
  for (const t of tasks) if (!(CAPTION_KINDS as readonly string[]).includes(t)) throw new CliError(`--tasks takes ssc, dsc or ssc,dsc, got "${value}"`, 2);
  if (!tasks.length) throw new CliError('--tasks is empty', 2);
  return [...new Set(tasks as CaptionKind[])];
}

export const captionCommand: CliCommand = {
  name: 'caption',
  summary: 'write SSC and DSC captions with a local model (Florence-2, vit-gpt2) or an OpenAI-compatible endpoint',
  help,
  async run(args) {
    const { values, folder } = await parseFolderArgs(args, {
      model: { type: 'string' },
      device: { type: 'string' },
      dtype: { type: 'string' },
      'decode-loop': { type: 'string' },
      'batch-size': { type: 'string' },
      tasks: { type: 'string' },
      redo: { type: 'string' },
      'dsc-task': { type: 'string' },
      'drop-closing': { type: 'boolean' },
      'max-new-tokens': { type: 'string' },
      'cache-dir': { type: 'string' },
      'max-pixels': { type: 'string' },
      'follow-external-links': { type: 'boolean' },
      'no-scan': { type: 'boolean' },
      shard: { type: 'string' },
      backend: { type: 'string' },
      ...remoteCaptionOptionSpec,
    }, help);
    const device = choiceOption(values.device, 'device', DEVICE_REQUESTS) ?? 'auto';
    const dtype = choiceOption(values.dtype, 'dtype', DTYPE_REQUESTS) ?? 'auto';
    const decodeLoop = choiceOption(values['decode-loop'], 'decode-loop', DECODE_LOOPS) ?? 'own';
    const redo: RedoPolicy = choiceOption(values.redo, 'redo', REDO_POLICIES) ?? 'missing';
    const batchSize = intOption(values['batch-size'], 'batch-size', 0, 1);
    const maxNewTokens = intOption(values['max-new-tokens'], 'max-new-tokens', 0, 1);
    const maxPixels = intOption(values['max-pixels'], 'max-pixels', DEFAULT_MAX_PIXELS, 1);
    const tasks = parseTasks(values.tasks);
    const backendKind = choiceOption(values.backend, 'backend', ['local', 'openai'] as const) ?? (values.endpoint ? 'openai' : 'local');
    const shard = shardFromCli(values.shard);

    const sigint = abortOnSigint();
    try {
      const base = await ManifestStore.open(folder);
      let store: ManifestAccess = base;
      const hasManifest = (await fs.stat(base.manifestPath).catch(() => null)) !== null;
      // N shard jobs scanning at once would all write recaption.jsonl: a sharded run needs one scan first.
      if (shard && !hasManifest) throw new CliError(`a sharded run needs the folder scanned first: run "recaption scan ${folder}" once, then the shard jobs`);
      warnProblems(store.problems, MANIFEST_NAME);
      // A shard job reads recaption.jsonl and writes only its own shard manifest.
      if (shard) store = await openShardStore(folder, shard, base);
      const scanProgress = createProgressLine('scanned');
      let lastNote = 0;
      const loadNote = (message: string) => {
        if (performance.now() - lastNote < 2000) return;
        lastNote = performance.now();
        writeErr(`${message}\n`);
      };
      const progress = createProgressLine('captioned');
      const job = await runCaptionJob({
        folder,
        store,
        scan: shard || values['no-scan'] ? false : { maxPixels, followExternalLinks: values['follow-external-links'] === true, onProgress: (done, total) => scanProgress.update(done, total) },
        tasks,
        redo,
        batchSize,
        followExternalLinks: values['follow-external-links'] === true,
        signal: sigint.signal,
        onPhase: (phase, scan) => {
          if (phase === 'loading' && scan) scanProgress.finish(`scanned ${scan.images} images into ${MANIFEST_NAME}`);
        },
        openBackend: async (signal) => {
          if (backendKind === 'openai') return remoteBackendFromCli(values, maxPixels);
          try {
            return await EngineCaptionBackend.open({
              load: {
                model: values.model ?? DEFAULT_CAPTION_MODEL,
                device,
                dtype,
                decodeLoop,
                maxPixels,
                batchSize,
                cacheDir: values['cache-dir'],
                taskPrompts: values['dsc-task'] ? { dsc: values['dsc-task'] } : undefined,
                maxNewTokens: maxNewTokens || undefined,
                dropClosingSentence: values['drop-closing'] ?? false,
              },
              env: engineEnvironment({ device }),
              signal,
              onProgress: loadNote,
              onNotice: (message) => writeErr(`${message}\n`),
            });
          } catch (err) {
            if (signal?.aborted) throw err;
            throw new CliError(err instanceof Error ? err.message : String(err));
          }
        },
        onBackend: (backend) => {
          const line = backend instanceof EngineCaptionBackend ? backend.description : `remote endpoint, batch ${backend.defaultBatchSize}`;
          writeErr(`model ${backend.modelId}: ${line}\n`);
        },
        onProgress: (p) => progress.update(p.done, p.total, p.errors ? `${p.errors} errors` : undefined),
      }).catch((err: unknown) => {
        if (err instanceof BackendStoppedError) throw new CliError(err.message);
        throw err;
      });
      if (job.scan && !job.summary) writeErr(job.cancelled ? 'scan cancelled; run it again to resume\n' : `no images in ${folder}\n`);
      const summary = job.summary;
      if (!summary) return job.cancelled ? CANCELLED_EXIT : 0;
      progress.finish();
      const skipped = summary.records - summary.due;
      writeErr(
        `${summary.cancelled ? 'cancelled; saved what was done. ' : ''}captioned ${summary.captioned} of ${summary.due} images due ` +
          `(${summary.captionsWritten} ${summary.tasks.join('+').toUpperCase()} captions; ${skipped} already done), ` +
          `${summary.protected} human/reviewed captions left alone, ${summary.errors} errors; ` +
          `${summary.imagesPerSecond.toFixed(2)} images/s on ${summary.device}, batch ${summary.batchSize}\n`,
      );
      const written = shard ? shardManifestName(shard) : MANIFEST_NAME;
      if (summary.errors) writeErr(`the errors are in ${written} ("error" field); --redo errors retries them\n`);
      if (shard) writeErr(`shard ${shard.index}/${shard.count} is in ${written}; when all ${shard.count} shards are done, run "recaption merge ${folder}"\n`);
      return summary.cancelled ? CANCELLED_EXIT : 0;
    } finally {
      sigint.dispose();
    }
  },
};
