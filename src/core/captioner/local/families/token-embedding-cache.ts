// Generation embeds each new token through the embed_tokens session: one ONNX Runtime call per decoding
// step, for what is a pure table lookup. This keeps each token's embedding after its first use, so later
// steps that only need known tokens skip the session run. Exact: the embedding depends on the id alone.
import { Tensor } from '@huggingface/transformers';

type EmbedInputs = { input_ids: Tensor };
type Embed = (inputs: EmbedInputs) => Promise<Tensor>;
type Rows = Float32Array | Uint16Array | Float64Array;

/** Distinct tokens kept (Florence-2-base: 768 floats each, so 3 KiB; 16,384 of them are 48 MiB at most). */
const DEFAULT_CAPACITY = 16_384;

export class TokenEmbeddingCache {
  private readonly rows = new Map<bigint, Rows>();
  /** The output tensor type, from the first run (float32, or float16 for fp16 models). */
  private type = 'float32';
  /** Session runs made and avoided, for tests and measurements. */
  runs = 0;
  hits = 0;

  constructor(
    private readonly embed: Embed,
    private readonly capacity = DEFAULT_CAPACITY,
  ) {}

  /** Drop-in for the model's encode_text: single-token steps come from the cache, the rest runs as before. */
  async encode(inputs: EmbedInputs): Promise<Tensor> {
    const ids = inputs.input_ids;
    if (ids.dims.length !== 2 || ids.dims[1] !== 1 || !(ids.data instanceof BigInt64Array)) return this.run(inputs);
    const wanted = Array.from(ids.data);
    const missing = [...new Set(wanted.filter((id) => !this.rows.has(id)))];
    if (missing.length) {
      const out = await this.run({ input_ids: new Tensor('int64', BigInt64Array.from(missing), [missing.length, 1]) });
      const data = out.data as Rows;
      const width = data.length / missing.length;
      // Past the capacity, uncached tokens are looked up from this run's output and not kept.
      const fresh = new Map<bigint, Rows>();
      missing.forEach((id, i) => fresh.set(id, data.slice(i * width, (i + 1) * width) as Rows));
      for (const [id, row] of fresh) if (this.rows.size < this.capacity) this.rows.set(id, row);
      return this.assemble(wanted, (id) => this.rows.get(id) ?? fresh.get(id)!, out.type, width);
    }
    this.hits += wanted.length;
    return this.assemble(wanted, (id) => this.rows.get(id)!, this.type, this.rows.get(wanted[0]!)!.length);
  }

  private async run(inputs: EmbedInputs): Promise<Tensor> {
    this.runs++;
    const out = await this.embed(inputs);
    this.type = out.type;
    return out;
  }

  private assemble(ids: bigint[], row: (id: bigint) => Rows, type: string, width: number): Tensor {
    const sample = row(ids[0]!);
    const data = new (sample.constructor as new (n: number) => Rows)(ids.length * width);
    ids.forEach((id, i) => data.set(row(id), i * width));
    return new Tensor(type as 'float32', data as Float32Array, [ids.length, 1, width]);
  }
}
