// Phrases (runs of tokens, lower-cased, joined by single spaces: a caption's opening, its closing, a looping
// n-gram) counted by id. The habit report counts several per caption of a million-record dataset; each
// distinct phrase is made a string once, and a phrase met again is found from the scan's token hashes and
// confirmed letter by letter, with no string made.
import { tokenHash, type TokenScan } from '../text/token-scan.js';

/** The key of a run of token hashes (30 bits). */
function keyOfHashes(hashes: ArrayLike<number>, from: number, to: number): number {
  let key = 0;
  for (let k = from; k < to; k++) key = (Math.imul(key, 31) + hashes[k]!) | 0;
  return key & 0x3fffffff;
}

/** Whether `p` is tokens [first, first + n) of the scan, lower-cased and joined by spaces. */
function spells(p: string, scan: TokenScan, first: number, n: number): boolean {
  const text = scan.text;
  let at = 0;
  for (let k = first; k < first + n; k++) {
    if (k > first && p.charCodeAt(at++) !== 32) return false;
    const from = scan.start[k]!;
    const length = scan.end[k]! - from;
    if (at + length > p.length) return false;
    for (let i = 0; i < length; i++) {
      const c = text.charCodeAt(from + i);
      const want = p.charCodeAt(at + i);
      // ASCII only (the scan's callers measure ASCII texts this way); upper case folded.
      if (c !== want && !(c >= 65 && c <= 90 && c + 32 === want)) return false;
    }
    at += length;
  }
  return at === p.length;
}

/** Tokens [first, first + n) of the scan, lower-cased and joined by spaces. */
function phraseOf(scan: TokenScan, first: number, n: number): string {
  const tokens: string[] = [];
  for (let k = first; k < first + n; k++) tokens.push(scan.text.slice(scan.start[k], scan.end[k]).toLowerCase());
  return tokens.join(' ');
}

export class PhraseCounts implements Iterable<[string, number]> {
  private readonly phrases: string[] = [];
  private counts = new Uint32Array(256);
  /** Open addressing: id + 1 of the phrase in the slot (0: empty), and its key beside it. */
  private ids = new Int32Array(1024);
  private keys = new Int32Array(1024);

  /** The id of tokens [first, first + n) of an ASCII text's scan, added (count 0) when new. */
  idInScan(scan: TokenScan, first: number, n: number): number {
    const key = keyOfHashes(scan.hash, first, first + n);
    const { ids, keys, phrases } = this;
    const mask = ids.length - 1;
    let slot = (Math.imul(key, 0x9e3779b1) >>> 0) & mask;
    for (; ids[slot] !== 0; slot = (slot + 1) & mask) {
      if (keys[slot] !== key) continue;
      const p = phrases[ids[slot]! - 1]!;
      if ((n > 0 && scan.spanIs(first, n, p)) || spells(p, scan, first, n)) return ids[slot]! - 1;
    }
    return this.add(slot, key, phraseOf(scan, first, n));
  }

  /** The id of a phrase given as its string (tokens joined by single spaces; '' for none), added when new. */
  idOf(phrase: string): number {
    const key = keyOfPhrase(phrase);
    const { ids, keys, phrases } = this;
    const mask = ids.length - 1;
    let slot = (Math.imul(key, 0x9e3779b1) >>> 0) & mask;
    for (; ids[slot] !== 0; slot = (slot + 1) & mask) if (keys[slot] === key && phrases[ids[slot]! - 1] === phrase) return ids[slot]! - 1;
    return this.add(slot, key, phrase);
  }

  bump(id: number): void {
    this.counts[id]!++;
  }

  phrase(id: number): string {
    return this.phrases[id]!;
  }

  /** How many times `phrase` was counted (0: never). */
  get(phrase: string): number {
    const key = keyOfPhrase(phrase);
    const mask = this.ids.length - 1;
    for (let slot = (Math.imul(key, 0x9e3779b1) >>> 0) & mask; this.ids[slot] !== 0; slot = (slot + 1) & mask) {
      const id = this.ids[slot]! - 1;
      if (this.keys[slot] === key && this.phrases[id] === phrase) return this.counts[id]!;
    }
    return 0;
  }

  /** Each phrase counted at least once, with its count, in no particular order. */
  *[Symbol.iterator](): IterableIterator<[string, number]> {
    for (let id = 0; id < this.phrases.length; id++) if (this.counts[id]! > 0) yield [this.phrases[id]!, this.counts[id]!];
  }

  private add(slot: number, key: number, phrase: string): number {
    const id = this.phrases.length;
    this.phrases.push(phrase);
    if (id === this.counts.length) {
      const counts = new Uint32Array(id * 2);
      counts.set(this.counts);
      this.counts = counts;
    }
    this.ids[slot] = id + 1;
    this.keys[slot] = key;
    if (this.phrases.length * 2 > this.ids.length) this.grow();
    return id;
  }

  private grow(): void {
    const ids = new Int32Array(this.ids.length * 2);
    const keys = new Int32Array(ids.length);
    const mask = ids.length - 1;
    for (let old = 0; old < this.ids.length; old++) {
      if (this.ids[old] === 0) continue;
      let slot = (Math.imul(this.keys[old]!, 0x9e3779b1) >>> 0) & mask;
      while (ids[slot] !== 0) slot = (slot + 1) & mask;
      ids[slot] = this.ids[old]!;
      keys[slot] = this.keys[old]!;
    }
    this.ids = ids;
    this.keys = keys;
  }
}

/** The key a phrase's scan gives it, from its string: the same tokens hash the same either way. */
function keyOfPhrase(phrase: string): number {
  if (phrase === '') return 0;
  const tokens = phrase.split(' ');
  const hashes = tokens.map(tokenHash);
  return keyOfHashes(hashes, 0, hashes.length);
}
