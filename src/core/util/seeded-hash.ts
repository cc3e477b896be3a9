// A number in [0, 1) that depends only on (seed, purpose, path). Split and blend decisions use it, so an
// image's split and caption choice never change when other images are added or removed.
import { sha256Head48 } from './sha256-head.js';

const SCALE = 2 ** 48;

/** The first 48 bits of sha256(`${seed}\0${purpose}\0${fileName}`), scaled to [0, 1). */
export function unitHash(seed: number, purpose: string, fileName: string): number {
  return sha256Head48(`${seed}\0${purpose}\0${fileName}`) / SCALE;
}

/** unitHash for one seed and purpose, the prefix encoded once (an export draws twice for every image). */
export function unitHasher(seed: number, purpose: string): (fileName: string) => number {
  const prefix = new TextEncoder().encode(`${seed}\0${purpose}\0`);
  return (fileName) => sha256Head48(fileName, prefix) / SCALE;
}
