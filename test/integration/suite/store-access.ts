// Direct manifest changes a test needs to set up a situation (not something the product does).
import { ManifestStore } from '../../../src/core/dataset/manifest-store.js';

export const ManifestStoreForTest = {
  async clearCaptions(folder: string, fileNames: string[]): Promise<void> {
    const store = await ManifestStore.open(folder);
    for (const name of fileNames) store.put({ ...store.get(name)!, ssc: null, dsc: null });
    await store.save();
  },
};
