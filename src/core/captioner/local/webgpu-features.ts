// Whether onnxruntime-node's WebGPU provider can run float16 kernels on this machine's adapter. The binding
// exposes no adapter or its features (transformers.js assumes fp16 works in Node), and WebGPU generates a
// float16 kernel only where the device was created with shader-f16, which Dawn does not offer on every
// adapter: it leaves f16 off for NVIDIA under Vulkan, and SwiftShader lacks it. So this asks the provider
// itself: one float16 Add on a one-node model. ORT refuses it with "Program Add requires f16 but the device
// does not support it" where f16 is missing; elsewhere it must compute the right sums.
import { existsSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../onnx/graph-builder.js';
import { DataType, encodeModel } from '../onnx/onnx-proto.js';
import { halfBits, type HalfData } from './float16.js';
import { keepFloat16AsBits } from './families/float16-bits.js';
import { ortReason } from '../../util/error-line.js';

/** `reason` completes "fp16 needs shader-f16: ...". */
export type ShaderF16 = { supported: true } | { supported: false; reason: string };
export type ShaderF16Probe = () => Promise<ShaderF16>;

const REFUSAL = 'requires f16 but the device does not support it';
/** 1, 2, 3, 4 and their doubles, as float16 bits. */
const ONE_TO_FOUR = [0x3c00, 0x4000, 0x4200, 0x4400];
const DOUBLED = [0x4000, 0x4400, 0x4600, 0x4800];

function probeModel(): Uint8Array {
  const g = new GraphBuilder('shader_f16_probe');
  const x = g.input('x', DataType.FLOAT16, [4]);
  g.output(g.op('Add', [x, x]), 'y', DataType.FLOAT16, [4]);
  return encodeModel(g.build(), 17, 'recaption shader-f16 probe');
}

/** Dawn's toggle vulkan_enable_f16_on_nvidia is off by default; say so where that is the likely cause. */
function nvidiaVulkanHint(): string {
  const swiftShader = /swiftshader/i.test(process.env.VK_ICD_FILENAMES ?? '');
  return process.platform === 'linux' && !swiftShader && existsSync('/proc/driver/nvidia/version') ? ' (NVIDIA under Vulkan: disabled in Dawn)' : '';
}


/** Runs the probe; the answer for this process's WebGPU adapter. */
export const probeShaderF16: ShaderF16Probe = async () => {
  let session: ort.InferenceSession | null = null;
  try {
    // Severity 4 (fatal only): the refusal is an expected answer, not an error to print.
    session = await ort.InferenceSession.create(probeModel(), { executionProviders: ['webgpu'], logSeverityLevel: 4 });
    keepFloat16AsBits(session);
    const out = await session.run({ x: new ort.Tensor('float16', Uint16Array.from(ONE_TO_FOUR), [4]) });
    const sums = Array.from(halfBits(out.y?.data as HalfData));
    if (sums.every((v, i) => v === DOUBLED[i])) return { supported: true };
    return { supported: false, reason: 'a float16 probe gave wrong sums on this WebGPU adapter' };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (message.includes(REFUSAL)) return { supported: false, reason: `this WebGPU adapter lacks it${nvidiaVulkanHint()}` };
    return { supported: false, reason: `a float16 probe failed on WebGPU (${ortReason(message)})` };
  } finally {
    await session?.release();
  }
};

let answer: Promise<ShaderF16> | null = null;

/** probeShaderF16, run once per process (the adapter does not change under a running process). */
export function webgpuShaderF16(): Promise<ShaderF16> {
  answer ??= probeShaderF16();
  return answer;
}
