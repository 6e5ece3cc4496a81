import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KEYS, sim, type TestGateway } from '../support/gateway';
import type { Fixtures } from './fixtures';
import type { FuzzCase } from './fuzz-case';
import { rawRequest, type RawResponse } from './raw-http';
import { isDeclared501, violations } from './verdict';

const AUTH: [string, string] = ['Authorization', `Bearer ${KEYS.admin}`];

/** What the gateway holds that invalid input must not change: its tasks and the backends' mutating calls. */
export interface Footprint {
  tasks: number;
  upstreamMutations: number;
}

const count = (map: Record<string, number>) => Object.values(map).reduce((a, b) => a + b, 0);

/** Figures of one group of requests. */
class Tally {
  readonly byCategory: Record<string, number> = {};
  readonly statuses: Record<string, number> = {};
  fiveXX = 0;
  nonProblem4xx = 0;
  declared501 = 0;
  failedChecks = 0;

  record(category: string, response: RawResponse, declared: boolean, failed: boolean): void {
    this.byCategory[category] = (this.byCategory[category] ?? 0) + 1;
    this.statuses[response.status] = (this.statuses[response.status] ?? 0) + 1;
    if (declared) this.declared501++;
    else if (response.status >= 500) this.fiveXX++;
    const problem = /^application\/problem\+json/.test(response.headers['content-type'] ?? '');
    if (response.status >= 400 && response.status < 500 && !problem) this.nonProblem4xx++;
    if (failed) this.failedChecks++;
  }

  figures() {
    const { byCategory, statuses, fiveXX, nonProblem4xx, declared501, failedChecks } = this;
    return {
      requests: count(byCategory),
      byCategory: Object.fromEntries(Object.entries(byCategory).sort()),
      statuses,
      fiveXX,
      nonProblem4xx,
      declared501,
      failedChecks,
    };
  }
}

/** Cases that wait for a fix outside src/common (create-app.ts, resource-reader.service.ts): kept apart. */
const PENDING = /^(protocol|pending)\./;

/** Sends generated requests, checks every answer, and keeps the figures the closing note quotes. */
export class FuzzRun {
  private readonly main = new Tally();
  private readonly pending = new Tally();

  constructor(
    private readonly gateway: TestGateway,
    private readonly fixtures: Fixtures,
    readonly seed: number,
  ) {}

  /** Sends one case and throws (with the request and the answer) if the answer breaks a rule. */
  async check(fuzz: FuzzCase): Promise<RawResponse> {
    const headers = fuzz.ownAuth ? fuzz.request.headers : [AUTH, ...fuzz.request.headers];
    const response = await rawRequest(this.gateway.baseUrl, { ...fuzz.request, headers });
    const broken = violations(this.fixtures, fuzz, response);
    const tally = PENDING.test(fuzz.category) ? this.pending : this.main;
    tally.record(fuzz.category, response, isDeclared501(this.fixtures, response), broken.length > 0);
    if (broken.length) {
      const body = fuzz.request.body === undefined ? '' : String(fuzz.request.body).slice(0, 300);
      throw new Error(
        `${fuzz.category}: ${fuzz.request.method} ${fuzz.request.target.slice(0, 300)}\n` +
          `headers: ${JSON.stringify(fuzz.request.headers).slice(0, 300)}\nbody: ${body}\n` +
          `→ ${response.status} ${response.headers['content-type']} ${response.body.slice(0, 500)}\n` +
          broken.map((b) => `  - ${b}`).join('\n'),
      );
    }
    return response;
  }

  async footprint(): Promise<Footprint> {
    let tasks = 0;
    let token: string | null = null;
    do {
      const query: string = token ? `&pageToken=${encodeURIComponent(token)}` : '';
      const response = await fetch(`${this.gateway.baseUrl}/v1/tasks?pageSize=500${query}`, {
        headers: { Authorization: AUTH[1] },
      });
      const page = (await response.json()) as { items: unknown[]; nextPageToken: string | null };
      tasks += page.items.length;
      token = page.nextPageToken;
    } while (token);
    let upstreamMutations = 0;
    for (const handle of this.gateway.simulators.values()) {
      const { requests } = (await sim(handle, 'GET', '/stats')) as { requests: Record<string, number> };
      // Logins (DCImanager sessions) are POSTs that change nothing.
      const mutating = Object.entries(requests).filter(
        ([k]) => !k.startsWith('GET ') && !k.includes('/auth/'),
      );
      upstreamMutations += count(Object.fromEntries(mutating));
    }
    return { tasks, upstreamMutations };
  }

  /** Waits (bounded) until the given tasks end; every one must have succeeded. */
  async settle(taskIds: string[]): Promise<void> {
    for (const id of taskIds) {
      let status = 'queued';
      for (let round = 0; round < 6 && !['succeeded', 'failed', 'canceled'].includes(status); round++) {
        const response = await fetch(`${this.gateway.baseUrl}/v1/tasks/${id}?waitSeconds=10`, {
          headers: { Authorization: AUTH[1] },
        });
        status = ((await response.json()) as { status: string }).status;
      }
      if (status !== 'succeeded') throw new Error(`accepted task ${id} ended ${status}`);
    }
  }

  async live(): Promise<number> {
    return (await fetch(`${this.gateway.baseUrl}/health/live`)).status;
  }

  /** Prints the figures once and writes them as JSON to a fresh folder under the OS tmp dir (it stays). */
  report(suite: string): string {
    const figures = {
      suite,
      seed: this.seed,
      ...this.main.figures(),
      // The it.failing properties: they pass once the proposed patches land (see the report).
      pendingFixes: this.pending.figures(),
    };
    const dir = mkdtempSync(join(tmpdir(), 'cloudmux-fuzz-'));
    const file = join(dir, `${suite}.json`);
    writeFileSync(file, `${JSON.stringify(figures, null, 2)}\n`);
    console.log(`fuzz figures (${file}):\n${JSON.stringify(figures, null, 2)}`);
    return file;
  }
}
