import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * What a simulator can be told to do wrong, through `/__sim/faults` (the real APIs have no such thing):
 * - `delay`: answer normally after `delayMs` (latency);
 * - `error`: answer `status` with the provider's own error body (5xx, 401, 503 wake-up...);
 * - `rate-limit`: 429 with `Retry-After: retryAfter`;
 * - `reset`: destroy the connection without an answer;
 * - `timeout`: never answer (the client must time out);
 * - `malformed`: 200 with a body the client cannot parse;
 * - `body`: answer `status` (200 when absent) with `body` as JSON text, or with the exact bytes of `bodyBase64`
 *   (for what JSON cannot carry, e.g. invalid UTF-8), in place of the real answer: a well-formed answer of an
 *   odd shape (a `null` list item, a missing name, a wrong type).
 */
export type FaultAction = 'delay' | 'error' | 'rate-limit' | 'reset' | 'timeout' | 'malformed' | 'body';

export interface FaultRule {
  id: string;
  action: FaultAction;
  /** Only requests with this method (any when absent). */
  method?: string;
  /** Only requests whose path (without query) matches this regular expression (any when absent). */
  path?: string;
  status?: number;
  message?: string;
  delayMs?: number;
  retryAfter?: number;
  /** For `body`: the answer, sent as JSON text. */
  body?: unknown;
  /** For `body`: the answer's exact bytes, base64-encoded (wins over `body`). */
  bodyBase64?: string;
  /** How many matching requests the rule affects before it retires (unlimited when absent). */
  count?: number;
  /** Chance in [0, 1] that a matching request is affected (1 when absent). */
  probability?: number;
  /** How many requests it has affected. */
  hits: number;
}

export type ErrorBody = (status: number, message: string) => { contentType: string; body: string };

const ACTIONS: readonly FaultAction[] = [
  'delay',
  'error',
  'rate-limit',
  'reset',
  'timeout',
  'malformed',
  'body',
];

export class FaultInjector {
  private rules: FaultRule[] = [];
  private sequence = 0;
  private readonly held = new Set<FastifyRequest>();

  constructor(private readonly errorBody: ErrorBody) {}

  list(): FaultRule[] {
    return this.rules;
  }

  /** Validates and adds a rule; throws a message for a bad one. */
  add(input: Partial<FaultRule>): FaultRule {
    if (!input.action || !ACTIONS.includes(input.action))
      throw new Error(`action must be one of ${ACTIONS.join(', ')}`);
    if (input.path !== undefined) new RegExp(input.path);
    if (input.action === 'error' && !(input.status && input.status >= 400 && input.status <= 599))
      throw new Error('error needs status 400-599');
    if (input.action === 'body') {
      if (input.body === undefined && typeof input.bodyBase64 !== 'string')
        throw new Error('body needs body (JSON) or bodyBase64');
      if (input.status !== undefined && !(input.status >= 200 && input.status <= 599))
        throw new Error('body needs status 200-599');
    }
    const rule: FaultRule = { ...input, action: input.action, id: `f${++this.sequence}`, hits: 0 };
    this.rules.push(rule);
    return rule;
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length < before;
  }

  clear(): void {
    this.rules = [];
    for (const request of this.held) request.raw.socket?.destroy();
    this.held.clear();
  }

  /**
   * Applies the first matching rule. Returns true when the request was answered (or dropped) here; a `delay`
   * rule waits and lets the request go on.
   */
  async apply(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    const path = request.url.split('?')[0];
    if (path.startsWith('/__sim')) return false;
    const rule = this.rules.find(
      (r) =>
        (!r.method || r.method.toUpperCase() === request.method) &&
        (!r.path || new RegExp(r.path).test(path)) &&
        (r.count === undefined || r.hits < r.count) &&
        (r.probability === undefined || Math.random() < r.probability),
    );
    if (!rule) return false;
    rule.hits++;
    switch (rule.action) {
      case 'delay':
        await new Promise((resolve) => setTimeout(resolve, rule.delayMs ?? 1000));
        return false;
      case 'error': {
        const { contentType, body } = this.errorBody(rule.status!, rule.message ?? 'Injected failure');
        if (rule.retryAfter !== undefined) void reply.header('Retry-After', String(rule.retryAfter));
        await reply.status(rule.status!).header('Content-Type', contentType).send(body);
        return true;
      }
      case 'rate-limit': {
        const { contentType, body } = this.errorBody(429, rule.message ?? 'Too many requests');
        await reply
          .status(429)
          .header('Retry-After', String(rule.retryAfter ?? 1))
          .header('Content-Type', contentType)
          .send(body);
        return true;
      }
      case 'reset':
        request.raw.socket?.destroy();
        reply.hijack();
        return true;
      case 'timeout':
        this.held.add(request);
        reply.hijack();
        request.raw.on('close', () => this.held.delete(request));
        return true;
      case 'malformed':
        await reply.status(200).header('Content-Type', 'application/json').send('{"data": [ {"id": "trunc');
        return true;
      case 'body':
        await reply
          .status(rule.status ?? 200)
          .header('Content-Type', 'application/json')
          .send(
            typeof rule.bodyBase64 === 'string'
              ? Buffer.from(rule.bodyBase64, 'base64')
              : JSON.stringify(rule.body),
          );
        return true;
    }
  }
}
