/**
 * ONNX Runtime's CPU threads spin between operators by default. On a CPU that also decodes the next images
 * (and runs other programs), the spinning burns the time slices the work needs: inference alone ran 2-3x
 * faster without it on a shared 2-core machine (bench/README Performance).
 */
export const CPU_SESSION_OPTIONS = { extra: { session: { intra_op: { allow_spinning: '0' } } } };

/** The from_pretrained options that carry CPU_SESSION_OPTIONS, on the CPU only. */
export function sessionOptionsFor(device: string): { session_options?: typeof CPU_SESSION_OPTIONS } {
  return device === 'cpu' ? { session_options: CPU_SESSION_OPTIONS } : {};
}
