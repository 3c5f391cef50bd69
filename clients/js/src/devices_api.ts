/** The user's devices over the REST API (GET, PATCH, DELETE /v1/devices), with the client's token. */

import { restCall } from './rest.js';
import type { Device, RevokeResult } from './types.js';

export class DevicesApi {
  constructor(
    private readonly baseUrl: string,
    private readonly token: () => Promise<string>,
    private readonly currentDevice: () => string | null,
  ) {}

  async list(): Promise<Device[]> {
    const reply = await this.call('GET', '/v1/devices');
    return (reply.devices as Array<Record<string, any>>).map((wire) => this.device(wire));
  }

  async rename(deviceId: string, name: string): Promise<Device> {
    const reply = await this.call('PATCH', `/v1/devices/${encodeURIComponent(deviceId)}`, { name });
    return this.device(reply.device);
  }

  /** Revokes at once, or after the device acknowledged the user's log up to now (afterDrain). */
  async revoke(deviceId: string, afterDrain: boolean): Promise<RevokeResult> {
    const reply = await this.call('DELETE', `/v1/devices/${encodeURIComponent(deviceId)}${afterDrain ? '?after_drain=true' : ''}`);
    return { drain: drainOf(reply.drain) };
  }

  private device(wire: Record<string, any>): Device {
    return {
      deviceId: wire.device_id,
      name: wire.name ?? null,
      platform: wire.platform ?? null,
      created: Number(wire.created),
      lastSeen: wire.last_seen ?? null,
      cursor: wire.cursor === undefined ? undefined : Number(wire.cursor),
      online: wire.online ?? null,
      current: wire.device_id === this.currentDevice(),
      lastAttentive: wire.last_attentive ?? null,
      attention: wire.attention ?? null,
      attentionAt: wire.attention_at ?? null,
      lastAckAt: wire.last_ack_at ?? null,
      drain: drainOf(wire.drain),
    };
  }

  private async call(method: string, path: string, body?: unknown): Promise<Record<string, any>> {
    return restCall(this.baseUrl, await this.token(), method, path, body);
  }
}

function drainOf(wire: Record<string, any> | undefined): RevokeResult['drain'] {
  return wire ? { upTo: Number(wire.up_to), deadline: Number(wire.deadline) } : null;
}
