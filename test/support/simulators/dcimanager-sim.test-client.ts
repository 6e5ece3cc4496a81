import type { DcimanagerSimulatorHandle } from '../../../sandbox/simulators/dcimanager/dcimanager.simulator';

// Test support for the simulator's own specs: a DCImanager client as the docs' curl samples behave.

export type Fields = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface Answer {
  status: number;
  body: Fields;
}

export interface CallOptions {
  body?: unknown;
  /** Sent as `x-xsrf-token` and cookie `ses6` unless `cookieOnly`; null sends no token. */
  token?: string | null;
  cookieOnly?: boolean;
  prefix?: string;
}

export class DciTestClient {
  token: string | null = null;

  constructor(private readonly sim: () => DcimanagerSimulatorHandle) {}

  async call(method: string, path: string, options: CallOptions = {}): Promise<Answer> {
    const token = options.token === undefined ? this.token : options.token;
    const headers: Record<string, string> = { 'isp-box-instance': 'true' };
    if (token) {
      headers.cookie = `ses6=${token}`;
      if (!options.cookieOnly) headers['x-xsrf-token'] = token;
    }
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const prefix = path.startsWith('/__sim') ? '' : (options.prefix ?? '/api');
    const response = await fetch(`${this.sim().url}${prefix}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Fields) : {} };
  }

  async login(email = String(this.sim().connection.email), password = this.sim().password): Promise<string> {
    const answer = await this.call('POST', '/auth/v4/public/token', {
      body: { email, password },
      token: null,
    });
    if (answer.status !== 201)
      throw new Error(`login failed: ${answer.status} ${JSON.stringify(answer.body)}`);
    this.token = answer.body.token as string;
    return this.token;
  }

  server(id: number): Promise<Fields> {
    return this.call('GET', `/dci/v3/server/${id}`).then((a) => a.body);
  }

  /** Polls a server until `done` holds (the simulator runs fast in tests). */
  async until(id: number, done: (server: Fields) => boolean, tries = 200): Promise<Fields> {
    for (let i = 0; i < tries; i++) {
      const server = await this.server(id);
      if (done(server)) return server;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`server ${id} never reached the expected state`);
  }
}
