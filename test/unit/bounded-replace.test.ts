// The bounded find & replace (issue 24 items 5 and 6) is String.prototype.replace, replacement patterns
// and empty matches included, until the result passes its bound: then it stops without building it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replaceBounded } from '../../src/core/dataset/bounded-replace.js';

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PATTERNS = ['a', 'ab*', '(a)(b)?', 'b*', '', '(?<x>a+)', '(?<=a)b', '\\b', '^', '$', '(a|b)(c)?(d)?(e)?(f)?(g)?(h)?(i)?(j)?(k)?(l)?', '.', '😀', '[😀a]?', 'x'];
const TEMPLATE_PARTS = ['-', '$$', '$&', '$`', "$'", '$1', '$2', '$01', '$10', '$11', '$12', '$0', '$00', '$<x>', '$<nope>', '$<', '$', '$9', '$99', 'z'];
const ALPHABET = ['a', 'b', 'c', ' ', '😀', 'é'];

test('a bounded replace gives what String.prototype.replace gives, for regex and literal searches', () => {
  const next = random(24);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  for (let round = 0; round < 3000; round++) {
    const text = Array.from({ length: Math.floor(next() * 12) }, () => pick(ALPHABET)).join('');
    const template = Array.from({ length: Math.floor(next() * 4) }, () => pick(TEMPLATE_PARTS)).join('');
    const flags = `g${next() < 0.5 ? 'u' : ''}${next() < 0.5 ? 'i' : ''}`;
    const source = pick(PATTERNS);
    let re: RegExp;
    try {
      re = new RegExp(source, flags);
    } catch {
      continue; // "😀" in a class without u, and the like
    }
    const context = JSON.stringify({ text, source, flags, template });
    assert.equal(replaceBounded(text, re, template, false, Infinity), text.replace(new RegExp(source, flags), template), context);
    assert.equal(replaceBounded(text, re, template, true, Infinity), text.replace(new RegExp(source, flags), () => template), `literal ${context}`);
  }
});

test('a replacement that multiplies a text stops at the bound without building the result', () => {
  const text = 'a'.repeat(1000);
  const stopped = replaceBounded(text, /a/g, 'a'.repeat(800), true, 100_000);
  assert.equal(typeof stopped, 'object');
  assert.ok(typeof stopped === 'object' && stopped.over > 100_000 && stopped.over < 102_000, JSON.stringify(stopped));
  const grown = replaceBounded(text, /a/g, 'aa', true, 100_000, 500);
  assert.ok(typeof grown === 'object', 'stops once it grows by more than it may');
  assert.equal(replaceBounded(text, /a/g, 'aa', true, 100_000, 1000), 'a'.repeat(2000));
  assert.equal(replaceBounded('abc', /x/g, 'y', false, 1), 'abc', 'no match: the text as it is, even over the bound');
});
