// The CLIP scorer in the engine process: the same TextImageScorer the scoring loop drives in-process,
// with both encoders run in the engine so that scoring a dataset never blocks the caller's thread.
import type { TextImageScorer } from '../scoring/score-dataset.js';
import { EngineProcess, EngineStoppedError, type EngineStartOptions } from './engine-process.js';
import type { ScorerLoadOptions } from './protocol.js';

export class EngineScorer implements TextImageScorer {
  private constructor(
    private readonly engine: EngineProcess,
    readonly modelName: string,
    /** The model, its weights and device, as a line for the log. */
    readonly description: string,
  ) {}

  static async open(load: ScorerLoadOptions, start: EngineStartOptions & { signal?: AbortSignal } = {}): Promise<EngineScorer> {
    start.signal?.throwIfAborted();
    const engine = await EngineProcess.start(start);
    const onAbort = () => engine.kill();
    start.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const info = await engine.request({ type: 'loadScorer', options: load });
      return new EngineScorer(engine, info.modelName, info.description);
    } catch (err) {
      engine.kill();
      throw err;
    } finally {
      start.signal?.removeEventListener('abort', onAbort);
    }
  }

  async embedImage(file: string): Promise<number[]> {
    return this.engine.request({ type: 'embedImage', filePath: file });
  }

  async scoreTexts(image: readonly number[], texts: readonly string[]): Promise<number[]> {
    return this.engine.request({ type: 'scoreTexts', image: [...image], texts: [...texts] });
  }

  async dispose(): Promise<void> {
    await this.engine.shutdown();
  }
}

export { EngineStoppedError };
