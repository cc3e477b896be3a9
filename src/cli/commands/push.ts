// recaption push: a finished export folder, or a dataset exported on the fly into a temporary folder, to a
// Hugging Face Hub dataset repo. The token comes from the environment only (never an argument: arguments
// land in shell history and process lists).
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ManifestStore } from '../../core/dataset/manifest-store.js';
import {
  DEFAULT_EXPORT_SELECTION,
  EXPORT_PROFILES,
  EXPORT_RECORD_NAME,
  EXPORT_SELECTIONS,
  ExportError,
  exportFineTuneSet,
  type ExportFormat,
  type ExportOptions,
  type ExportProfile,
  type ExportSelection,
} from '../../core/export/index.js';
import { DEFAULT_HUB_ENDPOINT, HubPushError, hubEndpointProblem, hubRepoNameProblem, normalizeHubEndpoint, pushFolderToHub, type HubPushResult } from '../../core/hub/index.js';
import { MANIFEST_NAME } from '../../shared/record.js';
import { CliError } from '../cli-error.js';
import { codedErrorExit, abortOnSigint, choiceOption, parseFolderArgs, type CliCommand } from '../command.js';
import { createProgressLine } from '../progress.js';
import { warnProblems, writeErr } from '../terminal-text.js';

/** The formats a pushed dataset can take: the two the Hub's dataset viewer and `datasets` load directly. */
const PUSH_FORMATS: readonly ExportFormat[] = ['parquet', 'hf'];

const help = `usage: recaption push <folder> --repo owner/name [--private] [--profile ssc|dsc|t2i]
                      [--format parquet|hf] [--select approved|unrejected] [--license ID]
                      [--follow-external-links] [--json]

Pushes a dataset to a Hugging Face Hub dataset repo in one commit, creating the repo if needed.
<folder> is a finished export (it holds ${EXPORT_RECORD_NAME}), pushed as it is, or a dataset (it holds
${MANIFEST_NAME}), exported first into a temporary folder that is removed afterwards.

  --repo ID      the dataset repo, owner/name
  --private      create the repo private (an existing repo keeps its visibility)
  --profile      when exporting: ssc, dsc or t2i (default t2i)
  --format       when exporting: parquet (default; images inside the shards) or hf (imagefolder)
  --select S     when exporting: approved (default) or unrejected
  --license ID   when exporting: the dataset card's license (an SPDX id such as cc-by-4.0)
  --follow-external-links
                 when exporting: include images that lead outside the dataset folder (links, or folders
                 that are links); off: they are skipped and named in a warning, never uploaded
  --json         print the result as JSON on stdout

Environment:
  HF_TOKEN       a Hugging Face token with write access (or HUGGING_FACE_HUB_TOKEN)
  HF_ENDPOINT    the Hub's URL (default ${DEFAULT_HUB_ENDPOINT}), e.g. a self-hosted Hub

An interrupted push changes nothing on the Hub; running it again resumes: large files the Hub already
has are not sent again. Every request has a time limit; a stalled upload is tried again (a multipart
upload from the part that stalled).`;

export interface PushCommandDeps {
  /** Where HF_TOKEN and HF_ENDPOINT are read. */
  env: NodeJS.ProcessEnv;
  /** Where the temporary export folder is made (default os.tmpdir()). */
  tmpdir?: () => string;
  stdout?: (text: string) => void;
}

function tokenFrom(env: NodeJS.ProcessEnv, endpoint: string): string {
  const token = (env.HF_TOKEN ?? '').trim() || (env.HUGGING_FACE_HUB_TOKEN ?? '').trim();
  if (!token) throw new CliError(`no Hugging Face token: set the HF_TOKEN environment variable to a token with write access (make one at ${endpoint}/settings/tokens)`);
  return token;
}

function endpointFrom(env: NodeJS.ProcessEnv): string {
  const given = env.HF_ENDPOINT;
  if (given !== undefined && given.trim() !== '') {
    const problem = hubEndpointProblem(given);
    if (problem) throw new CliError(`HF_ENDPOINT: ${problem}`, 2);
  }
  return normalizeHubEndpoint(given);
}

async function holds(folder: string, name: string): Promise<boolean> {
  return (await fs.lstat(path.join(folder, name)).catch(() => null))?.isFile() === true;
}

interface ExportChoice {
  profile: ExportProfile;
  format: ExportFormat;
  select: ExportSelection;
  license: string | undefined;
  followExternalLinks: boolean;
}

/** Exports the dataset into `out` with a progress line. */
async function exportInto(folder: string, out: string, choice: ExportChoice, signal: AbortSignal): Promise<void> {
  const store = await ManifestStore.open(folder);
  warnProblems(store.problems, MANIFEST_NAME, 'not exported');
  const progress = createProgressLine('exported');
  const options: ExportOptions = {
    store,
    out,
    profile: choice.profile,
    format: choice.format,
    select: choice.select,
    // Hard links where the file system allows: the images are only read again, by the push.
    images: choice.format === 'hf' ? 'link' : 'copy',
    // The folder is the fresh mkdtemp one, empty: nothing to force over.
    force: true,
    followExternalLinks: choice.followExternalLinks,
    signal,
    onProgress: (p) => progress.update(p.done, p.total),
    ...(choice.license !== undefined && { license: choice.license }),
  };
  try {
    const { record, warnings } = await exportFineTuneSet(options);
    progress.finish(`exported ${record.counts.total} images (train ${record.counts.train}, validation ${record.counts.validation})`);
    for (const warning of warnings) writeErr(`warning: ${warning}\n`);
    if (record.counts.total === 0) throw new CliError(`nothing to push: no image of ${folder} has a caption that --select ${choice.select} takes`);
  } catch (err) {
    progress.finish();
    throw err;
  }
}

function megabytes(bytes: number): number {
  return Math.round(bytes / 1e5) / 10;
}

async function push(folder: string, repo: string, isPrivate: boolean | undefined, token: string, endpoint: string, signal: AbortSignal): Promise<HubPushResult> {
  const progress = createProgressLine('pushed', 'MB');
  try {
    const result = await pushFolderToHub({
      folder,
      repo,
      token,
      endpoint,
      signal,
      ...(isPrivate !== undefined && { private: isPrivate }),
      tokenAdvice: 'set the HF_TOKEN environment variable to a valid token with write access',
      onProgress: (p) => progress.update(megabytes(p.sentBytes), megabytes(p.totalBytes), `${p.filesDone}/${p.filesTotal} files${p.file ? `, ${p.phase} ${p.file}` : `, ${p.phase}`}`),
    });
    progress.finish(`pushed ${result.filesPushed} files (${megabytes(result.bytesPushed)} MB) to ${result.url}${result.commit ? ` (commit ${result.commit.slice(0, 12)})` : ''}`);
    return result;
  } catch (err) {
    progress.finish();
    throw err;
  }
}

export function createPushCommand(deps: PushCommandDeps): CliCommand {
  const stdout = deps.stdout ?? ((text: string) => void process.stdout.write(text));
  return {
    name: 'push',
    summary: 'push an export (or a dataset, exported on the fly) to a Hugging Face Hub dataset repo',
    help,
    async run(args) {
      const { values, folder } = await parseFolderArgs(
        args,
        {
          repo: { type: 'string' },
          private: { type: 'boolean' },
          profile: { type: 'string' },
          format: { type: 'string' },
          select: { type: 'string' },
          license: { type: 'string' },
          'follow-external-links': { type: 'boolean' },
          json: { type: 'boolean' },
        },
        help,
      );
      if (!values.repo) throw new CliError(`--repo owner/name is required\n${help}`, 2);
      const repoProblem = hubRepoNameProblem(values.repo);
      if (repoProblem) throw new CliError(`--repo: ${repoProblem}`, 2);
      const choice: ExportChoice = {
        profile: choiceOption(values.profile, 'profile', EXPORT_PROFILES) ?? 't2i',
        format: choiceOption(values.format, 'format', PUSH_FORMATS) ?? 'parquet',
        select: choiceOption(values.select, 'select', EXPORT_SELECTIONS) ?? DEFAULT_EXPORT_SELECTION,
        license: values.license?.trim() || undefined,
        followExternalLinks: values['follow-external-links'] === true,
      };
      const endpoint = endpointFrom(deps.env);
      const token = tokenFrom(deps.env, endpoint);
      const isExport = await holds(folder, EXPORT_RECORD_NAME);
      if (!isExport && !(await holds(folder, MANIFEST_NAME))) {
        throw new CliError(`${folder} is neither an export (no ${EXPORT_RECORD_NAME}) nor a dataset (no ${MANIFEST_NAME}); run "recaption scan" or "recaption export" first`);
      }
      if (isExport) {
        const exportOnly = (['profile', 'format', 'select', 'license', 'follow-external-links'] as const).filter((name) => values[name] !== undefined);
        if (exportOnly.length) throw new CliError(`${exportOnly.map((n) => `--${n}`).join(', ')} apply when <folder> is a dataset; ${folder} is an export, pushed as it is`, 2);
      }

      const sigint = abortOnSigint();
      let temp: string | null = null;
      try {
        let source = folder;
        if (!isExport) {
          temp = await fs.mkdtemp(path.join(deps.tmpdir?.() ?? os.tmpdir(), 'recaption-push-'));
          source = path.join(temp, 'export');
          await exportInto(folder, source, choice, sigint.signal);
        }
        const result = await push(source, values.repo, values.private, token, endpoint, sigint.signal);
        stdout(values.json ? `${JSON.stringify({ repo: values.repo, ...result, exported: !isExport }, null, 2)}\n` : `${result.url}\n`);
        return 0;
      } catch (err) {
        if (err instanceof HubPushError) return codedErrorExit(err, ['bad-repo']);
        if (err instanceof ExportError) return codedErrorExit(err, ['bad-option']);
        throw err;
      } finally {
        sigint.dispose();
        if (temp) await fs.rm(temp, { recursive: true, force: true });
      }
    },
  };
}

export const pushCommand: CliCommand = createPushCommand({ env: process.env });
