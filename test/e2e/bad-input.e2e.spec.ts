import { KEYS, startTestGateway, type TestGateway } from '../support/gateway';

interface Case {
  name: string;
  method: string;
  path: string;
  body?: string;
  headers?: Record<string, string>;
  status: number;
  code: string;
  fields?: string[];
}

const json = (value: unknown) => JSON.stringify(value);
const VALID = { provider: 'cm-a', name: 'srv', imageId: 'cm-a:img', planId: 'cm-a:plan' };

/** Raw HTTP on purpose: a typed client cannot send most of these. */
const CASES: Case[] = [
  {
    name: 'missing fields',
    method: 'POST',
    path: '/v1/servers',
    body: json({}),
    status: 400,
    code: 'validation_failed',
    fields: ['provider', 'name', 'imageId'],
  },
  {
    name: 'wrong types',
    method: 'POST',
    path: '/v1/volumes',
    body: json({ provider: 'cm-a', name: 5, sizeGb: '20' }),
    status: 400,
    code: 'validation_failed',
    fields: ['name', 'sizeGb'],
  },
  {
    name: 'unknown field',
    method: 'POST',
    path: '/v1/servers',
    body: json({ ...VALID, colour: 'blue' }),
    status: 400,
    code: 'validation_failed',
    fields: ['colour'],
  },
  {
    name: 'malformed JSON',
    method: 'POST',
    path: '/v1/servers',
    body: '{"provider": "cm-a",',
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'array body',
    method: 'POST',
    path: '/v1/networks',
    body: json([VALID]),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'string body',
    method: 'POST',
    path: '/v1/networks',
    body: json('network'),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'prototype pollution',
    method: 'POST',
    path: '/v1/networks',
    body: '{"provider":"cm-a","name":"n","__proto__":{"admin":true}}',
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'huge body',
    method: 'POST',
    path: '/v1/networks',
    body: json({ provider: 'cm-a', name: 'x'.repeat(70_000) }),
    status: 413,
    code: 'payload_too_large',
  },
  {
    name: 'wrong content type',
    method: 'POST',
    path: '/v1/networks',
    body: 'provider=cm-a',
    headers: { 'content-type': 'text/plain' },
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'id without connection',
    method: 'GET',
    path: '/v1/servers/nocolon',
    status: 400,
    code: 'validation_failed',
    fields: ['id'],
  },
  {
    name: 'id with bad characters',
    method: 'GET',
    path: '/v1/servers/cm-a:a%20b',
    status: 400,
    code: 'validation_failed',
    fields: ['id'],
  },
  {
    name: 'id with upper-case connection',
    method: 'GET',
    path: '/v1/volumes/CM:1',
    status: 400,
    code: 'validation_failed',
  },
  { name: 'unknown connection', method: 'GET', path: '/v1/servers/zz:1', status: 404, code: 'not_found' },
  {
    name: 'unknown resource',
    method: 'GET',
    path: '/v1/servers/cm-a:00000000-0000-0000-0000-000000000000',
    status: 404,
    code: 'not_found',
  },
  {
    name: 'page size 0',
    method: 'GET',
    path: '/v1/servers?pageSize=0',
    status: 400,
    code: 'validation_failed',
    fields: ['pageSize'],
  },
  {
    name: 'page size text',
    method: 'GET',
    path: '/v1/servers?pageSize=many',
    status: 400,
    code: 'validation_failed',
    fields: ['pageSize'],
  },
  {
    name: 'unknown state',
    method: 'GET',
    path: '/v1/servers?state=sleepy',
    status: 400,
    code: 'validation_failed',
    fields: ['state'],
  },
  {
    name: 'unknown query parameter',
    method: 'GET',
    path: '/v1/servers?colour=blue',
    status: 400,
    code: 'validation_failed',
    fields: ['colour'],
  },
  {
    name: 'forged page token',
    method: 'GET',
    path: '/v1/servers?pageToken=bm9wZQ',
    status: 400,
    code: 'validation_failed',
    fields: ['pageToken'],
  },
  {
    name: 'bad task id',
    method: 'GET',
    path: '/v1/tasks/not-a-task',
    status: 400,
    code: 'validation_failed',
    fields: ['id'],
  },
  {
    name: 'wait too long',
    method: 'GET',
    path: '/v1/tasks/01JAAAAAAAAAAAAAAAAAAAAAAA?waitSeconds=600',
    status: 400,
    code: 'validation_failed',
    fields: ['waitSeconds'],
  },
  {
    name: 'unknown task',
    method: 'GET',
    path: '/v1/tasks/01JAAAAAAAAAAAAAAAAAAAAAAA',
    status: 404,
    code: 'not_found',
  },
  {
    name: 'long Idempotency-Key',
    method: 'POST',
    path: '/v1/networks',
    body: json({ provider: 'cm-a', name: 'n' }),
    headers: { 'Idempotency-Key': 'k'.repeat(256) },
    status: 400,
    code: 'validation_failed',
    fields: ['Idempotency-Key'],
  },
  {
    name: 'bad cidr',
    method: 'POST',
    path: '/v1/networks',
    body: json({ provider: 'cm-a', name: 'n', cidr: '10.0.0.0/99' }),
    status: 400,
    code: 'validation_failed',
    fields: ['cidr'],
  },
  {
    name: 'plan and size together',
    method: 'POST',
    path: '/v1/servers',
    body: json({ ...VALID, cpuCores: 2, memoryMb: 2048 }),
    status: 400,
    code: 'validation_failed',
    fields: ['planId'],
  },
  {
    name: 'bad Last-Event-ID',
    method: 'GET',
    path: '/v1/events',
    headers: { 'Last-Event-ID': 'yesterday' },
    status: 400,
    code: 'validation_failed',
  },
  { name: 'unknown route', method: 'GET', path: '/v1/flavours', status: 404, code: 'not_found' },
  {
    name: 'unknown method',
    method: 'PUT',
    path: '/v1/servers/cm-a:1',
    body: json({}),
    status: 404,
    code: 'not_found',
  },
];

describe('bad input answers 4xx problem+json and never 5xx (e2e)', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startTestGateway({ connections: [{ name: 'cm-a', kind: 'cloudmc' }] });
  });

  afterAll(() => gateway.close());

  it.each(CASES)('$name → $status $code', async (c) => {
    const response = await fetch(`${gateway.baseUrl}${c.path}`, {
      method: c.method,
      body: c.body,
      headers: {
        Authorization: `Bearer ${KEYS.admin}`,
        ...(c.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...c.headers,
      },
    });
    const problem = (await response.json()) as {
      status: number;
      code: string;
      errors?: Array<{ field: string }>;
      requestId: string;
      type: string;
    };
    expect(response.status).toBe(c.status);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(problem).toMatchObject({
      status: c.status,
      code: c.code,
      requestId: response.headers.get('x-request-id'),
    });
    expect(problem.type).toMatch(/^https:\/\//);
    for (const field of c.fields ?? []) expect(problem.errors?.map((e) => e.field)).toContain(field);
  });
});
