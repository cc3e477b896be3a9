// recaption score: an alignment score per text (alt-text, SSC, DSC) from a CLIP-family dual encoder.
import { ManifestStore } from '../../core/dataset/manifest-store.js';
import { DEVICE_REQUESTS } from '../../core/captioner/local/device-requests.js';
import { DTYPE_REQUESTS } from '../../core/captioner/local/dtype.js';
import { EngineScorer } from '../../core/engine/engine-scorer.js';
import { engineEnvironment } from '../../core/engine/engine-environment.js';
import { DEFAULT_SCORE_MODEL } from '../../core/scoring/defaults.js';
import { scoreDataset } from '../../core/scoring/score-dataset.js';
import { MANIFEST_NAME } from '../../shared/record.js';
import { CliError } from '../cli-error.js';
import { abortOnSigint, choiceOption, parseFolderArgs, type CliCommand } from '../command.js';
import { createProgressLine } from '../progress.js';
import { warnProblems, writeErr } from '../terminal-text.js';

const help = `usage: recaption score <folder> [--model <folder|hub id>] [--device ${DEVICE_REQUESTS.join('|')}] [--dtype ${DTYPE_REQUESTS.join('|')}] [--redo]

Scores how well each image's alt-text, SSC and DSC match the image, with a CLIP dual encoder in Hugging
Face ONNX layout: the cosine of the image and text embeddings, written as "score" beside each text and
the model as "score_model". A text longer than the model's window (77 tokens for CLIP) is scored as the
mean over its sentences. Resumes: texts that already have this model's score are skipped.

  --model M   a model folder or hub id (default ${DEFAULT_SCORE_MODEL})
  --device D  auto (CUDA, then WebGPU, then CPU) or one device; default auto
  --dtype T   weight precision; auto picks fp16 on a GPU and fp32 on the CPU
  --redo      score every text again`;

export const scoreCommand: CliCommand = {
  name: 'score',
  summary: 'score how well each alt-text, SSC and DSC matches its image (CLIP dual encoder)',
  help,
  async run(args) {
    const { values, positionals, folder } = await parseFolderArgs(args, { model: { type: 'string' }, device: { type: 'string' }, dtype: { type: 'string' }, redo: { type: 'boolean' } }, help);
    const device = choiceOption(values.device, 'device', DEVICE_REQUESTS) ?? 'auto';
    const dtype = choiceOption(values.dtype, 'dtype', DTYPE_REQUESTS) ?? 'auto';
    const store = await ManifestStore.open(folder);
    let scorer: EngineScorer | null = null;
    const sigint = abortOnSigint();
    try {
      if (store.size === 0) throw new CliError(`${folder} has no ${MANIFEST_NAME} records yet; run "recaption scan ${positionals[0]}" first`);
      warnProblems(store.problems, MANIFEST_NAME);
      try {
        // The dual encoder runs in the engine process, as the captioner does.
        scorer = await EngineScorer.open({ model: values.model ?? DEFAULT_SCORE_MODEL, device, dtype }, { env: engineEnvironment({ device }), signal: sigint.signal });
      } catch (err) {
        throw new CliError(`cannot load the scoring model: ${(err as Error).message}`);
      }
      writeErr(`scoring with ${scorer.description}\n`);
      const progress = createProgressLine('scored');
      const report = await scoreDataset(store, scorer, { redo: values.redo ?? false, signal: sigint.signal, onProgress: (d, t) => progress.update(d, t) });
      progress.finish(`scored ${report.scoredTexts} texts of ${report.scoredImages} images; ${report.upToDate} already scored; ${report.failed.length} could not be read${report.cancelled ? '; cancelled (run again to resume)' : ''}`);
      for (const f of report.failed.slice(0, 10)) writeErr(`  ${f.fileName}: ${f.reason}\n`);
      return report.failed.length > 0 || report.cancelled ? 1 : 0;
    } finally {
      sigint.dispose();
      await scorer?.dispose();
      store.close();
    }
  },
};
