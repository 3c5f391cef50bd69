/**
 * The storage contract: an async key-value map of JSON values. One store holds one device. Write
 * your own for React Native (AsyncStorage, MMKV) or a database; docs/client-js.md shows how.
 */
export interface Store {
  /** Stores sharing a name are the same device, e.g. the tabs of one origin with indexedDbStore. */
  readonly name?: string;
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<void>;
  /** Entries whose key starts with prefix, ordered by key. */
  list<T>(prefix: string): Promise<Array<[string, T]>>;
  /** Removes everything (logout, revoked device). */
  clear(): Promise<void>;
}
