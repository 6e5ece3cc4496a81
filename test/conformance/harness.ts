import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../../src/config/config.validator';
import { readEnv } from '../../src/config/env';
import type { ConnectionConfig } from '../../src/config/gateway-config';
import type { AnyResource, ResourceByType } from '../../src/domain/resource';
import { ResourceType } from '../../src/domain/states';
import {
  OPERATION_RESOURCE,
  type OperationInputs,
  type OperationName,
} from '../../src/providers/ports/operations';
import type { NativeResource } from '../../src/providers/ports/native';
import type { ResourceReader } from '../../src/providers/ports/ports';
import type { ProviderAdapter } from '../../src/providers/ports/provider-adapter';
import { PORT_OF_TYPE } from '../../src/providers/registry/capabilities';
import type { Connection } from '../../src/providers/registry/connection';
import { connectionKindSchemas, PROVIDER_KINDS } from '../../src/providers/registry/provider-kinds';
import { sim } from '../support/gateway';
import {
  normalized,
  runOperationPlan,
  runPlan,
  TEST_TUNING,
  testDeps,
  type PlanRun,
} from '../support/plan-runner';
import type { ConformanceDriver, DriverBackend } from './driver';

/** Simulated durations are divided by this: a server is built in a fraction of a second. */
export const SPEED = 200;

let names = 0;
/** A resource name unique in the run, valid on every backend (lower case, digits, dashes). */
export const fresh = (what: string): string => `conf-${what}-${(++names).toString(36)}`;
/** An engine-shaped task id (ULID length and alphabet), unique in the run (0: a probe that runs nothing). */
export const taskIdOf = (n: number = ++names): string => `01JCONF${String(n).padStart(19, '0')}`;

/** One kind under test: its simulator, and an adapter built the way the gateway builds it, fresh per case. */
export interface Subject {
  readonly kind: string;
  /** The connection name: gateway ids are `<name>:<nativeId>`. */
  readonly name: string;
  readonly backend: DriverBackend;
  /** The validated connection config (defaults filled in), as the registry hands it to the kind. */
  readonly config: ConnectionConfig;
  adapter: ProviderAdapter;
  /** The adapter as the core sees it (normalized reads and plans). */
  connection: Connection;
  /** Raw states the adapter reported as unmapped (`<resource>:<raw>`), since the last reset. */
  readonly unknownStates: string[];
  /** Puts the simulator back to its seed and builds a fresh adapter. */
  reset(): Promise<void>;
  /** Requests the simulator's API saw since the last `clearRequests`, by `METHOD /route`. */
  requests(): Promise<Record<string, number>>;
  clearRequests(): Promise<void>;
  stop(): Promise<void>;
}

export async function startSubject(driver: ConformanceDriver): Promise<Subject> {
  const definition = PROVIDER_KINDS.find((k) => k.kind === driver.kind);
  if (!definition) throw new Error(`provider kind ${driver.kind} is not registered in PROVIDER_KINDS`);
  const dataDir = mkdtempSync(join(tmpdir(), `cloudmux-conformance-${driver.kind}-`));
  const backend = await driver.start({ speed: SPEED, dataDir });
  const name = `conf-${driver.kind}`;
  // Through the config validator, as the gateway's own connections: the kind's defaults filled in, files read.
  const [config] = validateConfig(
    {
      apiKeys: [
        { name: 'conformance', key: 'conformance-key-00000000000', scopes: ['read'], providers: ['*'] },
      ],
      providers: [{ ...backend.simulator.connection, name, ...TEST_TUNING, ...backend.connectionFields }],
    },
    { env: readEnv({}), kinds: connectionKindSchemas(), baseDir: process.cwd(), variables: {} },
  ).providers;
  const unknownStates: string[] = [];
  const build = () => {
    const adapter = definition.create(config, testDeps(unknownStates));
    return { adapter, connection: normalized(adapter, config) };
  };
  const subject: Subject = {
    kind: driver.kind,
    name,
    backend,
    config,
    ...build(),
    unknownStates,
    async reset() {
      await subject.adapter.close?.();
      await sim(backend.simulator, 'POST', '/reset');
      unknownStates.length = 0;
      Object.assign(subject, build());
    },
    async requests() {
      return ((await sim(backend.simulator, 'GET', '/stats')) as { requests: Record<string, number> })
        .requests;
    },
    async clearRequests() {
      await sim(backend.simulator, 'DELETE', '/stats');
    },
    async stop() {
      await subject.adapter.close?.();
      await backend.simulator.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return subject;
}

/** The normalized reader of a resource type on a connection, or undefined when it does not read that type. */
export function readerOf<T extends ResourceType>(
  connection: Connection,
  type: T,
): ResourceReader<ResourceByType[T]> | undefined {
  return connection[PORT_OF_TYPE[type]] as ResourceReader<ResourceByType[T]> | undefined;
}

/** The adapter's own reader of a resource type: native records, as the adapter answers them. */
export function nativeReaderOf(
  adapter: ProviderAdapter,
  type: ResourceType,
): ResourceReader<NativeResource> | undefined {
  return adapter[PORT_OF_TYPE[type]];
}

/** What a connection lists now, per resource type (empty for types it does not read). */
export async function snapshot(connection: Connection): Promise<Record<ResourceType, AnyResource[]>> {
  const out = {} as Record<ResourceType, AnyResource[]>;
  for (const type of Object.values(ResourceType)) {
    const reader = readerOf(connection, type);
    out[type] = reader ? (await reader.list()).items : [];
  }
  return out;
}

/** Native ids a connection lists now, per resource type it reads. */
export async function census(connection: Connection): Promise<Record<ResourceType, string[]>> {
  const listed = await snapshot(connection);
  const out = {} as Record<ResourceType, string[]>;
  for (const type of Object.values(ResourceType)) out[type] = listed[type].map((r) => r.nativeId).sort();
  return out;
}

/** Runs an operation's plan like the engine, through the connection (normalized results). */
export function run<O extends OperationName>(
  subject: Subject,
  operation: O,
  target: string | null,
  input: OperationInputs[O],
): Promise<PlanRun> {
  return runPlan(subject.connection, operation, target, input, { maxMs: 30_000 });
}

const clone = <T>(value: T): T => structuredClone(value);

/** The steps of a plan whose backend call must not be repeated blindly (creates), by index and name. */
export function nonIdempotentSteps<O extends OperationName>(
  subject: Subject,
  operation: O,
  input: OperationInputs[O],
): { index: number; name: string }[] {
  const plan = subject.connection.plan({
    operation,
    target: null,
    input,
    taskId: '01JCONFPROBE00000000000000',
  });
  return plan.steps.flatMap((step, index) => (step.idempotent === false ? [{ index, name: step.name }] : []));
}

/**
 * A create whose worker died during the backend call of step `index`: the steps before it run, the step state is
 * saved as the engine saves it before a non-idempotent call, the step runs once (its call lands), and the worker
 * dies before anything of the answer is saved. The plan then resumes as the engine resumes it: at that step
 * (`resumed: true`), with the same task id and the state saved before the call. Answers what the lost call made
 * (new resources of the plan's type) and the resumed run. With a `target`, the same for an operation on an
 * existing resource (a relabel).
 */
export async function crashAt<O extends OperationName>(
  subject: Subject,
  operation: O,
  input: OperationInputs[O],
  taskId: string,
  index: number,
  target: string | null = null,
): Promise<{ landed: string[]; resumed: PlanRun }> {
  const request = { operation, target, input, taskId };
  const plan = subject.connection.plan(request);
  const type = OPERATION_RESOURCE[operation];
  const existing = (await census(subject.connection))[type];
  const before = await runOperationPlan(
    { ...plan, steps: plan.steps.slice(0, index) },
    { taskId, nativeId: target, maxMs: 30_000 },
  );
  const saved = clone(before.state);
  await plan.steps[index].run({
    taskId,
    nativeId: before.nativeId,
    state: clone(saved),
    polls: 0,
    stepStartedAt: Date.now(),
    resumed: false,
  });
  const landed = (await census(subject.connection))[type].filter((id) => !existing.includes(id));
  const again = subject.connection.plan(request);
  const resumed = await runOperationPlan(
    { ...again, steps: again.steps.slice(index) },
    {
      taskId,
      resumeAt: plan.steps[index].name,
      state: clone(saved),
      nativeId: before.nativeId,
      maxMs: 30_000,
    },
  );
  return { landed, resumed };
}

/** A plan's steps, by index and name. */
export function stepsOf<O extends OperationName>(
  subject: Subject,
  operation: O,
  target: string | null,
  input: OperationInputs[O],
): { index: number; name: string }[] {
  const plan = subject.connection.plan({ operation, target, input, taskId: taskIdOf(0) });
  return plan.steps.map((step, index) => ({ index, name: step.name }));
}

/** Requests the simulator saw since the last `clearRequests` that could change something (not GET or HEAD). */
export async function mutatingRequests(subject: Subject): Promise<Record<string, number>> {
  const all = await subject.requests();
  return Object.fromEntries(Object.entries(all).filter(([route]) => !/^(GET|HEAD) /.test(route)));
}

/** An OpenSSH string field: its length (4 bytes, big-endian), then its bytes. */
const sshString = (bytes: Buffer): Buffer => {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
};

/** The fingerprint `ssh-keygen -l` prints for an OpenSSH public key line: SHA256 of its blob, unpadded base64. */
export function fingerprintOf(publicKey: string): string {
  const blob = Buffer.from(publicKey.trim().split(/\s+/)[1], 'base64');
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** A new ed25519 key pair's public half in OpenSSH form (as `ssh-keygen -t ed25519` writes it). */
export function newSshPublicKey(comment: string): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const blob = Buffer.concat([sshString(Buffer.from('ssh-ed25519')), sshString(raw)]);
  return `ssh-ed25519 ${blob.toString('base64')} ${comment}`;
}
