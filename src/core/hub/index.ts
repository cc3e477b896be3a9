// Push an export folder to the Hugging Face Hub: the public surface for the CLI and the extension.
export { pushFolderToHub, DEFAULT_COMMIT_MESSAGE, REQUIRED_EXPORT_FILES, type HubPushOptions, type HubPushResult } from './push-folder.js';
export type { HubPushProgress } from './push-progress.js';
export { HubPushError, DEFAULT_TOKEN_ADVICE, type HubPushErrorCode } from './hub-errors.js';
export { hubRepoNameProblem, MAX_HUB_REPO_NAME_LENGTH } from './repo-name.js';
export { DEFAULT_HUB_ENDPOINT, hubEndpointProblem, normalizeHubEndpoint } from './hub-endpoint.js';
export { DEFAULT_FOLDER_LIMITS, type FolderLimits } from './folder-files.js';
