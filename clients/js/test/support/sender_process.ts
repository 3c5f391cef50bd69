/**
 * A device in its own process, for the kill test: sends `count` messages with a fileStore and
 * prints "queued <clientMsgId>" as each one is in the store, until the parent kills it with -9.
 */

import { createClient } from '../../src/client.js';
import { fileStore } from '../../src/store_file.js';
import { token } from './tokens.js';

const [url, userId, folder, conversationId, count] = process.argv.slice(2);
const client = createClient({ url, getToken: () => token(userId), store: fileStore(folder) });
await client.start();
process.stdout.write(`device ${client.deviceId}\n`);
for (let i = 0; i < Number(count); i++) {
  const handle = client.send(conversationId, { text: `message ${i}` });
  await handle.queued;
  process.stdout.write(`queued ${handle.clientMsgId}\n`);
}
await new Promise(() => undefined);
