/** Client tokens for the test server: HS256 JWTs signed with its secret, with any lifetime. */

import { createHmac } from 'node:crypto';
import { JWT_SECRET } from './server.js';

export function token(userId: string, lifetimeSeconds = 3600): string {
  const now = Math.floor(Date.now() / 1000);
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({ sub: userId, iat: now, exp: now + lifetimeSeconds })}`;
  return `${unsigned}.${createHmac('sha256', JWT_SECRET).update(unsigned).digest('base64url')}`;
}
