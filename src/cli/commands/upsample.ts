// recaption upsample: turn short captions (SSC or alt-text) into descriptive DSCs with a chat model.
import { ManifestStore } from '../../core/dataset/manifest-store.js';
import { DEFAULT_UPSAMPLE_SOURCE, upsampleStore, type UpsampleRedo, type UpsampleSource } from '../../core/upsample/index.js';
import { MANIFEST_NAME } from '../../shared/record.js';
import { CliError } from '../cli-error.js';
import { CANCELLED_EXIT, abortOnSigint, parseFolderArgs, type CliCommand } from '../command.js';
import { createProgressLine } from '../progress.js';
import { readRemoteOptions, readTextOption, remoteOptionHelp, remoteOptionSpec } from './remote-options.js';
import { writeErr } from '../terminal-text.js';

const help = `usage: recaption upsample <folder> --endpoint URL --remote-model NAME [options]

Turns each image's short text into a descriptive caption with a chat model on an OpenAI-compatible
endpoint, and writes it as the image's DSC marked "by": "upsample". A DSC that a person wrote or
reviewed is never replaced. The model sees the text only, not the image.

  --from ssc|alt        the short text to start from: the SSC (default) or the alt-text
  --redo missing|machine  missing: only images without a DSC (default); machine: also replace
                        machine-written DSCs
  --file NAME           only this image (its file_name in ${MANIFEST_NAME}), repeatable
  --files-from FILE     only the images named in FILE, one file_name per line
  --instruction-file F  use the instruction in F instead of the built-in one
${remoteOptionHelp}`;

export const upsampleCommand: CliCommand = {
  name: 'upsample',
  summary: 'write descriptive captions from short ones with a chat model (OpenAI-compatible endpoint)',
  help,
  async run(args) {
    const { values, folder } = await parseFolderArgs(
      args,
      {
        ...remoteOptionSpec,
        from: { type: 'string' },
        redo: { type: 'string' },
        file: { type: 'string', multiple: true },
        'files-from': { type: 'string' },
        'instruction-file': { type: 'string' },
      },
      help,
    );
    const from = (values.from ?? DEFAULT_UPSAMPLE_SOURCE) as UpsampleSource;
    if (from !== 'ssc' && from !== 'alt') throw new CliError(`--from must be ssc or alt, got "${values.from}"`, 2);
    const redo = (values.redo ?? 'missing') as UpsampleRedo;
    if (redo !== 'missing' && redo !== 'machine') throw new CliError(`--redo must be missing or machine, got "${values.redo}"`, 2);
    const remote = readRemoteOptions(values);
    const instruction = await readTextOption(values['instruction-file'], 'instruction-file');
    let fileNames: string[] | undefined = values.file;
    const listed = await readTextOption(values['files-from'], 'files-from');
    if (listed !== undefined) fileNames = [...(fileNames ?? []), ...listed.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '')];

    const store = await ManifestStore.open(folder);
    if (store.size === 0) throw new CliError(`${folder} has no ${MANIFEST_NAME} records yet; run "recaption scan ${folder}" and caption it first`);
    const progress = createProgressLine('upsampled');
    const sigint = abortOnSigint();
    try {
      const report = await upsampleStore(store, {
        endpoint: remote.endpoint,
        concurrency: remote.concurrency,
        maxTokens: remote.maxTokens,
        temperature: remote.temperature,
        from,
        redo,
        fileNames,
        instruction,
        signal: sigint.signal,
        onProgress: (done, total) => progress.update(done, total),
      });
      progress.finish();
      for (const name of report.unknown) writeErr(`warning: no image "${name}" in ${MANIFEST_NAME}\n`);
      for (const f of report.failed.slice(0, 20)) writeErr(`failed: ${f.fileName}: ${f.error}\n`);
      if (report.failed.length > 20) writeErr(`failed: … and ${report.failed.length - 20} more\n`);
      writeErr(
        `${report.cancelled ? 'cancelled; saved what was done. ' : ''}${report.selected} images: ${report.upsampled} upsampled, ` +
          `${report.failed.length} failed, ${report.alreadyDone} already had a DSC, ${report.protected} human DSCs left alone, ` +
          `${report.noSource} without ${from === 'ssc' ? 'an SSC' : 'alt-text'}\n`,
      );
      if (report.cancelled) return CANCELLED_EXIT;
      return report.failed.length > 0 ? 1 : 0;
    } finally {
      sigint.dispose();
    }
  },
};
