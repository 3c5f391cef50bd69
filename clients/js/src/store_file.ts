/**
 * fileStore: a Node store in a folder, one JSON file per key, each written to a temporary file and
 * renamed over the old one, so a killed process leaves every key either old or new, never torn.
 * node:fs is loaded on first use, so browsers that never call it never load it.
 */

import type { Store } from './store.js';

type Fs = typeof import('node:fs/promises');
const FILE_SUFFIX = '.json';

export function fileStore(folder: string): Store {
  let fs: Promise<Fs> | undefined;
  let ready: Promise<void> | undefined;
  let temporaries = 0;
  const files = async () => {
    const loaded = await (fs ??= import('node:fs/promises'));
    await (ready ??= loaded.mkdir(folder, { recursive: true }).then(() => undefined));
    return loaded;
  };
  const pathOf = (key: string) => `${folder}/${encodeURIComponent(key)}${FILE_SUFFIX}`;

  return {
    name: `file:${folder}`,
    async get<T>(key: string) {
      const io = await files();
      try {
        return JSON.parse(await io.readFile(pathOf(key), 'utf8')) as T;
      } catch (error) {
        if ((error as { code?: string }).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    async set(key, value) {
      const io = await files();
      const temporary = `${folder}/.${process.pid}.${temporaries++}.tmp`;
      await io.writeFile(temporary, JSON.stringify(value));
      await io.rename(temporary, pathOf(key));
    },
    async delete(key) {
      const io = await files();
      await io.rm(pathOf(key), { force: true });
    },
    async list<T>(prefix: string) {
      const io = await files();
      const keys = (await io.readdir(folder)).filter((file) => file.endsWith(FILE_SUFFIX))
        .map((file) => decodeURIComponent(file.slice(0, -FILE_SUFFIX.length)))
        .filter((key) => key.startsWith(prefix)).sort();
      const found: Array<[string, T]> = [];
      for (const key of keys) {
        const value = await this.get<T>(key);
        if (value !== undefined) found.push([key, value]);
      }
      return found;
    },
    async clear() {
      const io = await files();
      for (const file of await io.readdir(folder)) await io.rm(`${folder}/${file}`, { force: true });
    },
  };
}
