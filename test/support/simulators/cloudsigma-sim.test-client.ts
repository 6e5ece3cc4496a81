import { connect } from 'node:net';
import type { CloudsigmaSimulatorHandle } from '../../../sandbox/simulators/cloudsigma/cloudsigma.simulator';

// Test support for the simulator's own spec: a plain 1.0 client (Basic auth, text bodies), nothing of the adapter.

export type Obj = Record<string, string>;

export interface Answer {
  status: number;
  text: string;
  headers: Headers;
}

/** Objects of a body: `key value` lines, blank lines between objects. */
export function objects(text: string): Obj[] {
  return text
    .split(/\n\s*\n/)
    .map((block) =>
      Object.fromEntries(
        block
          .split('\n')
          .filter((line) => line.trim())
          .map((line) => {
            const blank = line.indexOf(' ');
            return blank < 0 ? [line, ''] : [line.slice(0, blank), line.slice(blank + 1)];
          }),
      ),
    )
    .filter((o) => Object.keys(o).length > 0);
}

export const lines = (text: string) => text.split('\n').filter(Boolean);

export class SimTestClient {
  constructor(private readonly sim: () => CloudsigmaSimulatorHandle) {}

  private auth(user = this.sim().email, password = this.sim().password): string {
    return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  }

  /** `body` is sent as text; `auth` null sends no Authorization header, a pair sends those credentials. */
  async call(
    method: string,
    path: string,
    body?: string,
    options: { auth?: [string, string] | null; contentType?: string } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = { 'Content-Type': options.contentType ?? 'text/plain' };
    if (options.auth !== null) headers.Authorization = this.auth(...(options.auth ?? []));
    const response = await fetch(`${this.sim().url}${path}`, { method, headers, body });
    return { status: response.status, text: await response.text(), headers: response.headers };
  }

  async one(path: string): Promise<Obj> {
    const answer = await this.call('GET', path);
    if (answer.status !== 200) throw new Error(`GET ${path}: ${answer.status} ${answer.text}`);
    return objects(answer.text)[0];
  }

  /**
   * A POST with no body and neither Content-Length nor Transfer-Encoding, as an old client sent its destroys
   * (docs/providers/cloudsigma.md#transport-and-auth).
   */
  bareSend(path: string): Promise<number> {
    const url = new URL(path, this.sim().url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname, () => {
        socket.write(
          `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: ${this.auth()}\r\nConnection: close\r\n\r\n`,
        );
      });
      let received = '';
      socket.on('data', (chunk) => (received += chunk.toString()));
      socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(received)?.[1] ?? 0)));
      socket.on('error', reject);
    });
  }

  async control(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${this.sim().url}/__sim${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`__sim ${path}: ${response.status} ${await response.text()}`);
    return response.json();
  }

  /** Polls a GET until `done` holds (bounded). */
  async until(path: string, done: (o: Obj) => boolean, tries = 400): Promise<Obj> {
    for (let i = 0; i < tries; i++) {
      const found = await this.one(path);
      if (done(found)) return found;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`${path} never reached the expected state`);
  }
}
