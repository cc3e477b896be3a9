// The engine process's entry (bundled as dist/engine.js; started by engine-process.ts): checks each
// request, hands it to the service, answers with its result or its error. It exits when its parent goes
// (the IPC channel closes) or asks it to, so the model's memory always returns to the system.
import * as os from 'node:os';
import { checkRequest, type EngineReply } from './protocol.js';
import { EngineService } from './engine-service.js';

/**
 * The engine yields the CPU to the process that started it: inference uses every core, and the editor
 * (and every other extension in the host) must still get a core the moment it needs one. When the caller
 * is idle, a lower priority costs the engine nothing.
 */
const ENGINE_NICENESS_STEP = 10;

function main(): void {
  try {
    os.setPriority(Math.min(19, os.getPriority() + ENGINE_NICENESS_STEP));
  } catch {
    // Not permitted here (some containers): the engine runs at the caller's priority.
  }
  // Ctrl-C in a terminal reaches the whole process group, this process too: the caller decides what a
  // cancel means (the batch in flight may finish and be saved), so the engine does not die of it.
  process.on('SIGINT', () => undefined);
  const send = process.send?.bind(process);
  if (!send) {
    process.stderr.write('engine.js is Recaption\'s inference process: it is started by the extension or the CLI\n');
    process.exitCode = 2;
    return;
  }
  const reply = (message: EngineReply) => {
    if (process.connected) send(message);
  };
  const service = new EngineService({
    progress: (id, message) => reply({ type: 'progress', id, message }),
    notice: (message, device) => reply({ type: 'notice', message, device }),
  });
  process.on('message', (raw: unknown) => {
    let request;
    try {
      request = checkRequest(raw);
    } catch (err) {
      const id = typeof raw === 'object' && raw !== null && Number.isInteger((raw as { id?: unknown }).id) ? Math.max(0, (raw as { id: number }).id) : 0;
      reply({ type: 'error', id, name: 'ProtocolError', message: `refused a malformed request: ${(err as Error).message}` });
      return;
    }
    const { id, type } = request;
    service.handle(request).then(
      (value) => {
        reply({ type: 'result', id, value });
        if (type === 'shutdown') process.disconnect();
      },
      (err: unknown) => {
        const e = err instanceof Error ? err : new Error(String(err));
        reply({ type: 'error', id, name: e.name, message: e.message });
      },
    );
  });
  // The parent is gone (closed the channel, crashed, was killed): nothing is left to answer.
  process.on('disconnect', () => {
    setTimeout(() => process.exit(0), 2000);
    void service.dispose().finally(() => process.exit(0));
  });
  reply({ type: 'ready', pid: process.pid });
}

main();
