// Push a finished export folder to a Hugging Face Hub dataset repo, in one commit, with @huggingface/hub.
//
// Transfer path: the client uploads through Xet storage by default (useXet defaults to true in commitIter,
// src/lib/commit.ts, and it offers "xet" in the LFS batch request's transfers); it falls back to classic
// LFS only when the server's batch answer does not pick "xet". We set useXet: false, so the batch request
// offers only "basic" and "multipart" and large files are PUT to the URL the batch answer names. That
// classic Git LFS batch protocol is what a self-hosted or mirrored Hub behind HF_ENDPOINT and the local
// test server speak, what huggingface.co still accepts (it bridges LFS uploads into Xet), and it is the one
// path the tests exercise. Resuming rests on it: the batch answer leaves out the upload action for objects
// the server already has, and the client then skips them (a second push after an interrupted one sends
// only what did not arrive). Nothing is committed until every large file is uploaded, and the commit is
// one request, so an interrupted push leaves the repo's files as they were.
import { commitIter, createRepo, HubApiError, type CommitOperation } from '@huggingface/hub';
import { DEFAULT_FOLDER_LIMITS, listFolderFiles, type FolderFile, type FolderLimits } from './folder-files.js';
import { createHubFetch } from './hub-fetch.js';
import { DEFAULT_HUB_TIMEOUTS, pushBudgetMs, type HubTimeouts } from './hub-timeouts.js';
import { DEFAULT_TOKEN_ADVICE, HubPushError, toHubPushError, type ErrorContext, type PushStage } from './hub-errors.js';
import { normalizeHubEndpoint } from './hub-endpoint.js';
import { LocalFileBlob } from './local-file-blob.js';
import { DatasetFolder } from '../dataset/dataset-file.js';
import { PushProgress, type HubPushProgress } from './push-progress.js';
import { hubRepoNameProblem } from './repo-name.js';

export type { HubPushProgress } from './push-progress.js';
export { HubPushError, type HubPushErrorCode } from './hub-errors.js';

/** A folder is a finished export when the export wrote its record; the card README.md is pushed when present. */
// The card is what the Hub shows; an export folder without one is not one Recaption finished.
export const REQUIRED_EXPORT_FILES = ['export.json', 'README.md'] as const;

export const DEFAULT_COMMIT_MESSAGE = 'Upload dataset with Recaption';

export interface HubPushOptions {
  /** A finished export folder; every regular file under it is pushed, as relative POSIX paths. */
  folder: string;
  /** owner/name */
  repo: string;
  /** Never written to disk, never in an error message or progress. */
  token: string;
  /** Default https://huggingface.co; the CLI passes HF_ENDPOINT. */
  endpoint?: string;
  /** Only used when the repo is created. */
  private?: boolean;
  commitMessage?: string;
  onProgress?: (p: HubPushProgress) => void;
  signal?: AbortSignal;
  /** How the user sets a token, ending the message of a refused one (DEFAULT_TOKEN_ADVICE names the CLI's and VS Code's ways). */
  tokenAdvice?: string;
  limits?: Partial<FolderLimits>;
  /** How long to wait for the Hub (DEFAULT_HUB_TIMEOUTS unless given). */
  timeouts?: Partial<HubTimeouts>;
}

export interface HubPushResult {
  url: string;
  /** The commit's id as the Hub reports it; null when the answer had none that looks like one. */
  commit: string | null;
  filesPushed: number;
  /** Bytes of the files in the commit (uploaded now, or already on the Hub from an earlier try). */
  bytesPushed: number;
}

const COMMIT_ID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

function tokenProblem(token: string): string | null {
  if (typeof token !== 'string' || token.trim() === '') return 'no Hugging Face token was given';
  // The client refuses any other token before sending it (checkAccessToken in src/utils/checkCredentials.ts).
  if (!token.startsWith('hf_')) return 'the Hugging Face token does not start with "hf_"';
  if (/\s/.test(token)) return 'the Hugging Face token contains spaces or line breaks';
  return null;
}

export async function pushFolderToHub(options: HubPushOptions): Promise<HubPushResult> {
  const repoProblem = hubRepoNameProblem(options.repo);
  if (repoProblem) throw new HubPushError(`invalid repo id: ${repoProblem}`, 'bad-repo');
  let endpoint: string;
  try {
    endpoint = normalizeHubEndpoint(options.endpoint);
  } catch (err) {
    throw new HubPushError(`invalid Hub endpoint: ${(err as Error).message}`, 'bad-repo');
  }
  const tokenAdvice = options.tokenAdvice ?? DEFAULT_TOKEN_ADVICE;
  const problem = tokenProblem(options.token);
  if (problem) throw new HubPushError(`${problem}: ${tokenAdvice}.`, 'unauthorized');
  const { token, signal } = options;
  const ctx: ErrorContext = { token, endpoint, repo: options.repo, stage: 'creating the repo', tokenAdvice, signal };
  const fail = (err: unknown) => toHubPushError(err, ctx);

  const files = await listFolderFiles(options.folder, { ...DEFAULT_FOLDER_LIMITS, ...options.limits }, signal).catch((err: unknown) => {
    throw fail(err);
  });
  const names = new Set(files.map((f) => f.path));
  for (const required of REQUIRED_EXPORT_FILES) {
    if (!names.has(required)) throw new HubPushError(`${options.folder} is not a finished export: it has no ${required} (export the dataset first, e.g. recaption push <dataset> exports it)`, 'bad-folder');
  }
  if (signal?.aborted) throw fail(signal.reason);

  const progress = new PushProgress(files.map((f) => ({ path: f.path, size: f.identity.size })), options.onProgress);
  // The whole push has a time budget too, in proportion to its bytes: every request ends, and so does the push.
  const timeouts: HubTimeouts = { ...DEFAULT_HUB_TIMEOUTS, ...options.timeouts };
  const budget = new AbortController();
  const budgetMs = pushBudgetMs(timeouts, progress.bytes);
  const budgetTimer = setTimeout(() => budget.abort(), budgetMs);
  budgetTimer.unref();
  ctx.budget = { signal: budget.signal, ms: budgetMs };
  const pushSignal = signal ? AbortSignal.any([signal, budget.signal]) : budget.signal;
  try {
    return await pushFiles(options, files, progress, { endpoint, token, ctx, fail, timeouts, pushSignal });
  } finally {
    clearTimeout(budgetTimer);
  }
}

interface PushContext {
  endpoint: string;
  token: string;
  ctx: ErrorContext;
  fail: (err: unknown) => HubPushError;
  timeouts: HubTimeouts;
  /** The caller's signal and the push's budget together. */
  pushSignal: AbortSignal;
}

async function pushFiles(options: HubPushOptions, files: FolderFile[], progress: PushProgress, push: PushContext): Promise<HubPushResult> {
  const { endpoint, token, ctx, fail, pushSignal } = push;
  const hubFetch = createHubFetch({ signal: pushSignal, timeouts: push.timeouts, onUploadRead: (blob, bytes) => progress.uploadRead(blob.relPath, blob.offset, bytes) });
  const repo = { type: 'dataset' as const, name: options.repo };

  // A 403 on creation may only mean the token cannot create repos in this namespace while it may write to
  // an existing one: the commit's answer decides, and a 404 there is reported as that refusal.
  let createRefused: HubPushError | null = null;
  try {
    await createRepo({ repo, accessToken: token, hubUrl: endpoint, fetch: hubFetch, ...(options.private !== undefined && { private: options.private }) });
  } catch (err) {
    if (err instanceof HubApiError && err.statusCode === 409) {
      // The repo exists already: push into it.
    } else if (err instanceof HubApiError && err.statusCode === 403) {
      createRefused = fail(err);
    } else {
      throw fail(err);
    }
  }

  // Every file is read through the one reader that refuses what leads out of the folder.
  const reader = await DatasetFolder.open(options.folder).catch((err: unknown) => {
    throw fail(err);
  });
  const operations: CommitOperation[] = files.map((f) => ({ operation: 'addOrUpdate', path: f.path, content: LocalFileBlob.of(reader, f.path, f.absolute, f.identity) }));
  const stages: Record<'preuploading' | 'uploadingLargeFiles' | 'committing', PushStage> = {
    preuploading: 'checking which files go to LFS',
    uploadingLargeFiles: 'uploading large files',
    committing: 'committing',
  };
  try {
    const iterator = commitIter({
      repo,
      operations,
      title: options.commitMessage?.trim() || DEFAULT_COMMIT_MESSAGE,
      accessToken: token,
      hubUrl: endpoint,
      fetch: hubFetch,
      abortSignal: pushSignal,
      useXet: false,
    });
    let step = await iterator.next();
    while (!step.done) {
      const event = step.value;
      if (event.event === 'phase') {
        ctx.stage = stages[event.phase];
        if (event.phase === 'committing') progress.committing();
      } else if (event.state === 'hashing') {
        if (event.progress === 0) progress.hashing(event.path);
      } else if (event.state === 'uploading' && event.progress >= 1) {
        progress.fileDone(event.path);
      }
      step = await iterator.next();
    }
    progress.allDone();
    const oid = step.value?.commit.oid;
    return {
      url: `${endpoint}/datasets/${options.repo}`,
      commit: typeof oid === 'string' && COMMIT_ID.test(oid) ? oid : null,
      filesPushed: files.length,
      bytesPushed: progress.bytes,
    };
  } catch (err) {
    const mapped = fail(err);
    throw createRefused && mapped.code === 'not-found' ? createRefused : mapped;
  }
}
