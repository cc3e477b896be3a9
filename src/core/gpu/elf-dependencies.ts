// The libraries a Linux shared library asks the dynamic loader for (its DT_NEEDED entries) and its RUNPATH,
// read from the file without loading it: the ELF header, the program headers, the dynamic section and the
// few strings they name. A handful of small reads, even for the 600 MB CUDA provider.
import { closeSync, openSync, readSync } from 'node:fs';

export interface ElfDependencies {
  needed: string[];
  runpath: string[];
}

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const DT_NEEDED = 1n;
const DT_STRTAB = 5n;
const DT_RPATH = 15n;
const DT_RUNPATH = 29n;
/** More entries or longer names than any real library has: the file is not what it claims. */
const MAX_PROGRAM_HEADERS = 256;
const MAX_DYNAMIC_BYTES = 64 * 1024;
const MAX_STRING_BYTES = 4096;

/** DT_NEEDED and RUNPATH of a 64-bit little-endian ELF file (x64, arm64); null for anything else. */
export function readElfDependencies(file: string): ElfDependencies | null {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    const read = (offset: bigint | number, length: number): Buffer => {
      const buf = Buffer.alloc(length);
      const got = readSync(fd, buf, 0, length, Number(offset));
      return buf.subarray(0, got);
    };
    const header = read(0, 64);
    if (header.length < 64 || header.readUInt32BE(0) !== 0x7f454c46 || header[4] !== 2 || header[5] !== 1) return null;
    const phoff = header.readBigUInt64LE(0x20);
    const phentsize = header.readUInt16LE(0x36);
    const phnum = header.readUInt16LE(0x38);
    if (phentsize < 56 || phnum > MAX_PROGRAM_HEADERS) return null;
    const table = read(phoff, phentsize * phnum);
    if (table.length < phentsize * phnum) return null;
    const loads: { offset: bigint; vaddr: bigint; size: bigint }[] = [];
    let dynamic: { offset: bigint; size: bigint } | null = null;
    for (let i = 0; i < phnum; i++) {
      const at = i * phentsize;
      const type = table.readUInt32LE(at);
      const entry = { offset: table.readBigUInt64LE(at + 8), vaddr: table.readBigUInt64LE(at + 16), size: table.readBigUInt64LE(at + 32) };
      if (type === PT_LOAD) loads.push(entry);
      if (type === PT_DYNAMIC) dynamic = entry;
    }
    if (!dynamic || dynamic.size > MAX_DYNAMIC_BYTES) return null;
    const entries = read(dynamic.offset, Number(dynamic.size));
    const needed: bigint[] = [];
    const runpath: bigint[] = [];
    let strtab: bigint | null = null;
    for (let at = 0; at + 16 <= entries.length; at += 16) {
      const tag = entries.readBigInt64LE(at);
      const value = entries.readBigUInt64LE(at + 8);
      if (tag === 0n) break;
      if (tag === DT_NEEDED) needed.push(value);
      else if (tag === DT_RUNPATH || tag === DT_RPATH) runpath.push(value);
      else if (tag === DT_STRTAB) strtab = value;
    }
    // DT_STRTAB is an address in memory: the PT_LOAD segment that maps it gives its place in the file.
    const segment = strtab === null ? undefined : loads.find((l) => strtab! >= l.vaddr && strtab! < l.vaddr + l.size);
    if (strtab === null || !segment) return null;
    const strings = segment.offset + (strtab - segment.vaddr);
    const string = (offset: bigint): string => {
      const bytes = read(strings + offset, MAX_STRING_BYTES);
      const end = bytes.indexOf(0);
      return bytes.subarray(0, end < 0 ? bytes.length : end).toString('utf8');
    };
    return { needed: needed.map(string), runpath: runpath.flatMap((o) => string(o).split(':')).filter(Boolean) };
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}
