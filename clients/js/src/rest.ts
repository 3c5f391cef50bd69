/** One call of the client REST API (docs/protocol.md, "REST") with the client's token; an error answer throws its code. */

import { LockstepError } from './errors.js';
import { httpUrl } from './url.js';

export async function restCall(baseUrl: string, token: string, method: string, path: string, body?: unknown): Promise<Record<string, any>> {
  const response = await fetch(httpUrl(baseUrl, path), {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const reply = await response.json().catch(() => ({})) as Record<string, any>;
  if (!response.ok) throw new LockstepError(reply.code ?? `http_${response.status}`, reply.message ?? response.statusText);
  return reply;
}
