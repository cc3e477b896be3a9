// Output names as a case-insensitive, normalization-insensitive file system sees them (macOS and Windows
// by default): Cat.jpg and cat.jpg, or café in NFC and in NFD, are one file there, and the second image
// copied would replace the first. Each name is claimed folded; a second claim of the same folded name clashes.
export function foldedName(name: string): string {
  return name.normalize('NFC').toLowerCase();
}

export class DestinationNames {
  private readonly claimed = new Set<string>();

  /** True when `name` was free (and is now taken); false when an earlier name folds to the same. */
  claim(name: string): boolean {
    const key = foldedName(name);
    if (this.claimed.has(key)) return false;
    this.claimed.add(key);
    return true;
  }
}
