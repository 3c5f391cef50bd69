/** @lockstep/client: the public entry point. */

export { createClient, LockstepClient } from './client.js';
export { memoryStore } from './store_memory.js';
export { indexedDbStore } from './store_indexeddb.js';
export { fileStore } from './store_file.js';
export { LockstepError } from './errors.js';
export { CloseCode, ErrorCode } from './codes.js';
export { HybridClock } from './hlc.js';
export { parseFrame, encodeFrame } from './wire_json.js';
export type { Store } from './store.js';
export type * from './types.js';
