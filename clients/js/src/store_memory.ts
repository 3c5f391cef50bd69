/** memoryStore: a store that lives as long as the process (tests, throwaway sessions). */

import type { Store } from './store.js';

export function memoryStore(): Store {
  const entries = new Map<string, string>();
  return {
    async get<T>(key: string) {
      const text = entries.get(key);
      return text === undefined ? undefined : (JSON.parse(text) as T);
    },
    async set(key, value) {
      entries.set(key, JSON.stringify(value));
    },
    async delete(key) {
      entries.delete(key);
    },
    async list<T>(prefix: string) {
      return [...entries.keys()].filter((key) => key.startsWith(prefix)).sort()
        .map((key) => [key, JSON.parse(entries.get(key)!) as T] as [string, T]);
    },
    async clear() {
      entries.clear();
    },
  };
}
