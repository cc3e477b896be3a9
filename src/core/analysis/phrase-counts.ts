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

/** The slot a key's probe starts at, in a table of mask + 1 slots. */
function homeSlot(key: number, mask: number): number {
  return (Math.imul(key, 0x9e3779b1) >>> 0) & mask;
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
    let slot = homeSlot(key, mask);
    for (; ids[slot] !== 0; slot = (slot + 1) & mask) if (keys[slot] === key && scan.spells(first, n, phrases[ids[slot]! - 1]!)) return ids[slot]! - 1;
    return this.add(slot, key, phraseOf(scan, first, n));
  }

  /** The id of a phrase given as its string (tokens joined by single spaces; '' for none), added when new. */
  idOf(phrase: string): number {
    const key = keyOfPhrase(phrase);
    const slot = this.slotOf(phrase, key);
    return this.ids[slot] !== 0 ? this.ids[slot]! - 1 : this.add(slot, key, phrase);
  }

  bump(id: number): void {
    this.counts[id]!++;
  }

  phrase(id: number): string {
    return this.phrases[id]!;
  }

  /** How many times `phrase` was counted (0: never). */
  get(phrase: string): number {
    const id = this.ids[this.slotOf(phrase, keyOfPhrase(phrase))]!;
    return id === 0 ? 0 : this.counts[id - 1]!;
  }

  /** Each phrase counted at least once, with its count, in no particular order. */
  *[Symbol.iterator](): IterableIterator<[string, number]> {
    for (let id = 0; id < this.phrases.length; id++) if (this.counts[id]! > 0) yield [this.phrases[id]!, this.counts[id]!];
  }

  /** The slot holding `phrase` (whose key is `key`), or the empty slot where it would go. */
  private slotOf(phrase: string, key: number): number {
    const { ids, keys, phrases } = this;
    const mask = ids.length - 1;
    let slot = homeSlot(key, mask);
    while (ids[slot] !== 0 && !(keys[slot] === key && phrases[ids[slot]! - 1] === phrase)) slot = (slot + 1) & mask;
    return slot;
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
      let slot = homeSlot(this.keys[old]!, mask);
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
