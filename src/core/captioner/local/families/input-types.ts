// Feeding each graph the float type it declares. fp16 exports (Hugging Face, optimum) declare float16
// inputs and outputs, and ONNX Runtime refuses a float32 feed to them ("Unexpected input data type"); the
// pixels come from preprocessing as float32, and one model's sessions need not all agree. Each feed is
// checked against the session's inputMetadata and converted where it differs; a match costs nothing.
import { Tensor } from '@huggingface/transformers';
import { Tensor as OrtTensor, type InferenceSession } from 'onnxruntime-node';
import { fromHalf, halfBits, toHalf, type HalfData } from '../float16.js';

export type FloatType = 'float32' | 'float16';
/** Float data as the captioner holds it: float32 values, or float16 bits. */
export type FloatData = Float32Array | Uint16Array;

/** The part of an ONNX Runtime session this reads. */
export interface DeclaringSession {
  readonly inputMetadata: readonly InferenceSession.ValueMetadata[];
}

/** The float type `session` declares for input `name` (`where` names the graph in an error). */
export function declaredFloatType(session: DeclaringSession | undefined, name: string, where: string): FloatType {
  if (!session) throw new Error(`${where} is not loaded`);
  const meta = session.inputMetadata.find((m) => m.name === name);
  if (!meta) throw new Error(`${where} has no input ${name}`);
  if (!meta.isTensor || (meta.type !== 'float32' && meta.type !== 'float16')) {
    throw new Error(`${where} declares ${name} as ${meta.isTensor ? meta.type : 'a non-tensor'}; the captioner feeds float32 or float16`);
  }
  return meta.type;
}

/** `data` (of `from` type) as `to`: the same array when they agree, else a converted copy. */
export function floatDataAs(to: FloatType, from: string, data: unknown): FloatData {
  if (from === to) return to === 'float16' ? halfBits(data as HalfData) : (data as Float32Array);
  if (from === 'float32' && to === 'float16') return toHalf(data as Float32Array);
  if (from === 'float16' && to === 'float32') return fromHalf(data as HalfData);
  throw new Error(`cannot feed a ${from} tensor as ${to}`);
}

/** The float type of a tensor's data; an error for any other type. */
export function floatTypeOf(tensor: { type: string }, name: string): FloatType {
  if (tensor.type !== 'float32' && tensor.type !== 'float16') throw new Error(`${name} is ${tensor.type}, not float32 or float16`);
  return tensor.type;
}

/** Pixels of a batch (float32 values or float16 bits) as `to`. */
export function pixelsAs(to: FloatType, data: FloatData): FloatData {
  return floatDataAs(to, data instanceof Uint16Array ? 'float16' : 'float32', data);
}

function checkOnCpu(tensor: { location?: string; type: string }, to: FloatType): void {
  const where = tensor.location;
  if (where !== undefined && where !== 'cpu' && where !== 'none') throw new Error(`a ${tensor.type} tensor in ${where} memory cannot be converted to ${to} here`);
}

/** A transformers.js tensor as `to` (itself where it already is). */
export function tensorAs(tensor: Tensor, to: FloatType): Tensor {
  if (tensor.type === to) return tensor;
  checkOnCpu(tensor, to);
  return new Tensor(to, floatDataAs(to, tensor.type, tensor.data), tensor.dims);
}

/** An ONNX Runtime tensor as `to` (itself where it already is). */
export function ortTensorAs(tensor: OrtTensor, to: FloatType): OrtTensor {
  if (tensor.type === to) return tensor;
  checkOnCpu(tensor, to);
  return new OrtTensor(to, floatDataAs(to, tensor.type, tensor.data), tensor.dims);
}

/** A float output's values as float32 (fp16 models give float16 embeddings and logits). */
export function float32Of(tensor: { type: string; data: unknown }): Float32Array {
  return floatDataAs('float32', tensor.type, tensor.data) as Float32Array;
}
