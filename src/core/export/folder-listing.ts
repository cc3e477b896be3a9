// What an export asks of each image first: is it there, and is it a plain file? One directory listing
// answers it for a whole folder, where a stat per image costs a round trip through the thread pool each
// (a million images: about ten seconds of stats). Listings are kept for the few most recent folders only:
// records come in name order, so an export walks the folders one after the other.
import type { Dirent } from 'node:fs';
import { promises as fs } from 'node:fs';

export type ListedKind = 'file' | 'link' | 'other';

/** Folders whose listing is kept. */
const KEPT_FOLDERS = 16;

export class FolderListings {
  private readonly listings = new Map<string, Promise<Map<string, ListedKind> | null>>();

  /**
   * What the folder's listing says of `name`: its kind, 'absent', or null when the folder cannot be listed
   * (the caller then asks the file itself).
   */
  async lookup(folder: string, name: string): Promise<ListedKind | 'absent' | null> {
    let listing = this.listings.get(folder);
    if (listing) {
      // Most recently used last.
      this.listings.delete(folder);
      this.listings.set(folder, listing);
    } else {
      listing = list(folder);
      this.listings.set(folder, listing);
      if (this.listings.size > KEPT_FOLDERS) this.listings.delete(this.listings.keys().next().value!);
    }
    const entries = await listing;
    if (!entries) return null;
    return entries.get(name) ?? 'absent';
  }
}

async function list(folder: string): Promise<Map<string, ListedKind> | null> {
  let entries: Dirent[];
  try {
    entries = await fs.readdir(folder, { withFileTypes: true });
  } catch {
    return null;
  }
  const out = new Map<string, ListedKind>();
  for (const e of entries) out.set(e.name, e.isFile() ? 'file' : e.isSymbolicLink() ? 'link' : 'other');
  return out;
}
