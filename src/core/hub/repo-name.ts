// Hub dataset repo ids ("owner/name"), checked before any request so that a typo is a clear one-line
// reason instead of a 400 or 404 from the server. @huggingface/hub 2.17.5 has no repo-id validator
// (its toRepoId only splits on "/" and checks prefixes such as "datasets/"), so these are the Hub's own
// rules as huggingface_hub's validate_repo_id states them: letters, digits, "-", "_" and "."; each part
// starts and ends with a letter, digit or "_"; no "--" or ".."; no ".git" ending; the name at most 96
// characters. The Hub itself accepts only ASCII here.

/** Longest repo name (the part after the "/") the Hub accepts. */
export const MAX_HUB_REPO_NAME_LENGTH = 96;

const PART = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;

/** Line breaks (of every kind) and other control characters: never part of a repo id, and never echoed raw. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** A user's text in a message: quoted, with any control character escaped (a message stays one line). */
function quoted(text: string): string {
  return JSON.stringify(text).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function partProblem(part: string, what: 'owner' | 'name'): string | null {
  if (part === '') return `the ${what} is empty`;
  if (/[^A-Za-z0-9_.-]/.test(part)) return `the ${what} ${quoted(part)} may only use letters, digits, "-", "_" and "."`;
  if (!PART.test(part)) return `the ${what} ${quoted(part)} cannot start or end with "-" or "."`;
  return null;
}

/** Why `name` is not a valid Hub dataset repo id ("owner/name"), in one line; null when it is one. */
export function hubRepoNameProblem(name: string): string | null {
  if (typeof name !== 'string' || name.trim() === '') return 'the repo id is empty; expected owner/name';
  if (CONTROL.test(name)) return `the repo id ${quoted(name)} contains a line break or another control character; expected owner/name`;
  const parts = name.split('/');
  if (parts.length === 3 && parts[0] === 'datasets') return `write the repo id without "datasets/": ${parts.slice(1).join('/')}`;
  if (parts.length !== 2) return `${quoted(name)} is not a repo id of the form owner/name`;
  const [owner, repo] = parts as [string, string];
  const problem = partProblem(owner, 'owner') ?? partProblem(repo, 'name');
  if (problem) return problem;
  if (name.includes('--') || name.includes('..')) return `${quoted(name)} cannot contain "--" or ".."`;
  if (repo.length > MAX_HUB_REPO_NAME_LENGTH) return `the name is ${repo.length} characters long; the Hub allows at most ${MAX_HUB_REPO_NAME_LENGTH}`;
  if (repo.endsWith('.git')) return `the name cannot end in ".git"`;
  return null;
}
