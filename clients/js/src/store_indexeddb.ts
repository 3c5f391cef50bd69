/** indexedDbStore: a browser store in IndexedDB; the tabs of an origin that name it alike share it. */

import type { Store } from './store.js';

const OBJECTS = 'kv';

export function indexedDbStore(name: string): Store {
  let opened: Promise<IDBDatabase> | undefined;
  const database = () => (opened ??= open(`lockstep:${name}`));

  async function run<T>(mode: IDBTransactionMode, work: (objects: IDBObjectStore) => IDBRequest | void): Promise<T> {
    const db = await database();
    return new Promise<T>((resolve, reject) => {
      const tx = db.transaction(OBJECTS, mode);
      const request = work(tx.objectStore(OBJECTS));
      tx.oncomplete = () => resolve((request ? request.result : undefined) as T);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  }

  return {
    name,
    get: (key) => run('readonly', (objects) => objects.get(key)),
    set: (key, value) => run('readwrite', (objects) => objects.put(value, key)),
    delete: (key) => run('readwrite', (objects) => objects.delete(key)),
    async list<T>(prefix: string) {
      const range = IDBKeyRange.bound(prefix, `${prefix}\uffff`);
      const db = await database();
      return new Promise<Array<[string, T]>>((resolve, reject) => {
        const tx = db.transaction(OBJECTS, 'readonly');
        const found: Array<[string, T]> = [];
        const cursor = tx.objectStore(OBJECTS).openCursor(range);
        cursor.onsuccess = () => {
          const at = cursor.result;
          if (at) {
            found.push([String(at.key), at.value as T]);
            at.continue();
          }
        };
        tx.oncomplete = () => resolve(found);
        tx.onerror = () => reject(tx.error);
      });
    },
    clear: () => run('readwrite', (objects) => objects.clear()),
  };
}

function open(name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(OBJECTS);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}
