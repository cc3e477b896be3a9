// A worker thread's entry (bundled as dist/engine-env-worker.js): the environment an engine for a GPU starts
// with (engine-environment.ts), found here because the CUDA library search reads folders synchronously,
// and the extension host, shared by every extension, must not wait on a disk for it.
import { parentPort, workerData } from 'node:worker_threads';
import { engineEnvironment, type EngineEnvironmentReply, type EngineEnvironmentRequest } from './engine-environment.js';

const port = parentPort;
if (!port) throw new Error('engine-env-worker.js runs as a worker thread');
port.postMessage({ env: engineEnvironment(workerData as EngineEnvironmentRequest) } satisfies EngineEnvironmentReply);
port.close();
