import { request as httpsRequest } from 'node:https';
import type { ImcoSimulatorHandle } from '../../../sandbox/simulators/imco/imco.simulator';

// Test support for the simulator's own specs: an IMCO client over mutual TLS, as IMCO's CLI behaves (JSON content
// type on POST, PUT and DELETE), plus the plain-HTTP control API.

export type Fields = Record<string, unknown>;

export interface Answer {
  status: number;
  contentType: string;
  text: string;
  body: unknown;
}

export interface TlsIdentity {
  cert?: string;
  key?: string;
  ca?: string;
}

export const rows = (answer: Answer) => answer.body as Fields[];
export const item = (answer: Answer) => answer.body as Fields;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class ImcoSimTestClient {
  constructor(private readonly sim: () => ImcoSimulatorHandle) {}

  /** The simulator's own client identity, or another one (`null` fields leave them out). */
  identity(overrides: TlsIdentity = {}): TlsIdentity {
    const { pki } = this.sim();
    return { cert: pki.client.certPem, key: pki.client.keyPem, ca: pki.ca.certPem, ...overrides };
  }

  /** `path` under the API base (`/cloud/servers`), or absolute (`/v2/...`) when it starts with `/v`. */
  call(method: string, path: string, body?: unknown, identity = this.identity()): Promise<Answer> {
    const base = new URL(this.sim().apiUrl);
    const fullPath = /^\/v\d\//.test(path) ? path : `${base.pathname}${path}`;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        {
          host: base.hostname,
          port: base.port,
          method,
          path: fullPath,
          ...identity,
          agent: false,
          headers: {
            Accept: 'application/json',
            ...(method === 'GET' ? {} : { 'Content-Type': 'application/json' }),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => {
            const contentType = String(res.headers['content-type'] ?? '');
            let parsed: unknown = undefined;
            if (text && contentType.includes('json')) parsed = JSON.parse(text);
            resolve({ status: res.statusCode ?? 0, contentType, text, body: parsed });
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  async control(method: string, path: string, body?: unknown): Promise<Answer> {
    const response = await fetch(`${this.sim().url}/__sim${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      contentType: response.headers.get('content-type') ?? '',
      text,
      body: text ? JSON.parse(text) : undefined,
    };
  }

  /** Polls `GET path` until `done(body)` or the resource is gone (404 answers null); bounded. */
  async until(path: string, done: (body: Fields) => boolean): Promise<Fields | null> {
    for (let attempt = 0; attempt < 400; attempt++) {
      const answer = await this.call('GET', path);
      if (answer.status === 404) return null;
      if (answer.status !== 200) throw new Error(`GET ${path} answered ${answer.status}: ${answer.text}`);
      if (done(item(answer))) return item(answer);
      await sleep(10);
    }
    throw new Error(`${path} did not reach the expected state`);
  }
}
