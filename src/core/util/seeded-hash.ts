// A number in [0, 1) that depends only on (seed, purpose, path). Split and blend decisions use it, so an
// image's split and caption choice never change when other images are added or removed.
import { createHash } from 'node:crypto';

const SCALE = 2 ** 48;

export function unitHash(seed: number, purpose: string, fileName: string): number {
  const digest = createHash('sha256').update(`${seed}\0${purpose}\0${fileName}`).digest();
  return digest.readUIntBE(0, 6) / SCALE;
}
