/** The user's devices over the REST API (GET, PATCH, DELETE /v1/devices), with the client's token. */

import { restCall } from './rest.js';
import type { Device } from './types.js';

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

  async revoke(deviceId: string): Promise<void> {
    await this.call('DELETE', `/v1/devices/${encodeURIComponent(deviceId)}`);
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
    };
  }

  private async call(method: string, path: string, body?: unknown): Promise<Record<string, any>> {
    return restCall(this.baseUrl, await this.token(), method, path, body);
  }
}
