import { GatewayError } from '../../src/common/errors/gateway-error';
import { formatResourceId, isNativeId } from '../../src/common/ids/resource-id';
import { LABELED_TYPES, labelProblem, visibleLabels, type Labels } from '../../src/domain/labels';
import type { AnyResource } from '../../src/domain/resource';
import type { Server } from '../../src/domain/server.dto';
import { IpState, NetworkState, ResourceType, ServerState, VolumeState } from '../../src/domain/states';
import { ACTION_NAMES, ACTIONS, type ActionName } from '../../src/providers/ports/actions';
import { NativeRef, type NativeResource } from '../../src/providers/ports/native';
import {
  CREATE_OPERATIONS,
  DELETE_OPERATIONS,
  OPERATION_NAMES,
  OPERATION_RESOURCE,
  RELABEL_OPERATIONS,
  type OperationName,
} from '../../src/providers/ports/operations';
import { unsupportedReason } from '../../src/providers/registry/action-policy';
import { KEYS, startTestGateway } from '../support/gateway';
import type { ConformanceDriver, StatefulType } from './driver';
import { DRIVERS } from './drivers';
import {
  census,
  crashAt,
  fresh,
  nativeReaderOf,
  newSshPublicKey,
  nonIdempotentSteps,
  readerOf,
  run,
  snapshot,
  startSubject,
  taskIdOf,
  type Subject,
} from './harness';

/** Normalized states of each resource type that has states (SSH keys have none). */
const STATES: Partial<Record<ResourceType, readonly string[]>> = {
  [ResourceType.Server]: Object.values(ServerState),
  [ResourceType.Volume]: Object.values(VolumeState),
  [ResourceType.Network]: Object.values(NetworkState),
  [ResourceType.Ip]: Object.values(IpState),
};

/** Fields that reference another resource (or catalog item) of the same connection, per resource type. */
const REFERENCES: Record<ResourceType, { one: string[]; many: string[] }> = {
  [ResourceType.Server]: { one: ['imageId', 'planId', 'locationId'], many: ['volumeIds', 'networkIds'] },
  [ResourceType.Volume]: { one: ['serverId'], many: [] },
  [ResourceType.Network]: { one: [], many: [] },
  [ResourceType.Ip]: { one: ['serverId', 'networkId'], many: [] },
  [ResourceType.SshKey]: { one: [], many: [] },
};

const TYPES = Object.values(ResourceType);
const STATEFUL_TYPES = TYPES.filter((type): type is StatefulType => type !== ResourceType.SshKey);
/** The normalized state of a resource of a type that has one. */
const stateOf = (resource: AnyResource | null | undefined): string | undefined =>
  resource && 'state' in resource ? resource.state : undefined;
/** The gateway's collection path of each resource type. */
const COLLECTIONS: Record<ResourceType, string> = {
  [ResourceType.Server]: '/v1/servers',
  [ResourceType.Volume]: '/v1/volumes',
  [ResourceType.Network]: '/v1/networks',
  [ResourceType.Ip]: '/v1/ips',
  [ResourceType.SshKey]: '/v1/ssh-keys',
};
const MARKER = /-gw[0-9a-z]{10}$/;
/** The reason the gateway gives for an operation an adapter leaves out without saying why. */
const DEFAULT_REASON = 'not supported by this provider';

/** Every value inside `extra`, at any depth, with its path. */
function* walk(value: unknown, path: string): Generator<[string, unknown]> {
  yield [path, value];
  if (value instanceof NativeRef || value === null || typeof value !== 'object') return;
  for (const [key, inner] of Object.entries(value)) yield* walk(inner, `${path}.${key}`);
}

/** Checks one normalized item against the native record the adapter answered for it. */
function expectNormalized(
  subject: Subject,
  type: ResourceType,
  item: AnyResource,
  native: NativeResource,
): void {
  const gw = (nativeId: string) => formatResourceId(subject.name, nativeId);
  const where = `${type} ${native.nativeId}`;
  expect([where, isNativeId(native.nativeId)]).toEqual([where, true]);
  expect(item).toMatchObject({
    id: gw(native.nativeId),
    nativeId: native.nativeId,
    provider: subject.name,
    providerKind: subject.kind,
  });
  expect([where, Number.isNaN(Date.parse(item.stateObservedAt))]).toEqual([where, false]);
  const states = STATES[type];
  if (states) expect([where, states]).toEqual([where, expect.arrayContaining([stateOf(item)])]);
  expect([where, MARKER.test(item.name)]).toEqual([where, false]);
  const record = item as unknown as Record<string, unknown>;
  const raw = native as unknown as Record<string, unknown>;
  if ((LABELED_TYPES as readonly string[]).includes(type)) {
    // The backend's labels, decoded, without the gateway's own keys: plain strings under valid keys.
    const labels = raw.labels as Labels;
    expect([where, labels !== null && typeof labels === 'object']).toEqual([where, true]);
    expect([where, record.labels]).toEqual([where, visibleLabels(labels)]);
    expect([where, labelProblem(record.labels as Labels)]).toEqual([where, null]);
  } else {
    expect([where, 'labels' in record]).toEqual([where, false]);
  }
  // The fields only the gateway knows are the core's to stamp, never the adapter's.
  const stamped = ['id', 'provider', 'providerKind', 'stateObservedAt', 'activeTaskId'].filter(
    (f) => f in raw,
  );
  expect([where, stamped]).toEqual([where, []]);
  for (const field of REFERENCES[type].one) {
    const ref = raw[field] as string | null | undefined;
    // Adapters answer native ids; a gateway id here would come out doubly prefixed.
    if (ref) expect([where, field, ref.startsWith(`${subject.name}:`)]).toEqual([where, field, false]);
    expect([where, field, record[field]]).toEqual([where, field, ref ? gw(ref) : null]);
  }
  for (const field of REFERENCES[type].many) {
    const refs = raw[field] as string[];
    expect([where, field, record[field]]).toEqual([where, field, refs.map(gw)]);
  }
  const converted = new Map(walk(item.extra, 'extra'));
  for (const [path, value] of walk(native.extra, 'extra')) {
    if (value instanceof NativeRef)
      expect([where, path, converted.get(path)]).toEqual([where, path, gw(value.nativeId)]);
  }
  for (const [path, value] of converted)
    expect([where, path, value instanceof NativeRef]).toEqual([where, path, false]);
}

const isRelabel = (operation: OperationName): boolean =>
  (Object.values(RELABEL_OPERATIONS) as string[]).includes(operation);

/** A server create body the gateway takes for this connection (the driver's create input, in gateway ids). */
function serverBody(subject: Subject): Record<string, unknown> {
  const input = subject.backend.inputs.server('refused');
  const gw = (id: string | undefined) => (id === undefined ? undefined : formatResourceId(subject.name, id));
  return {
    provider: subject.name,
    name: input.name,
    imageId: gw(input.imageId),
    planId: gw(input.planId),
    cpuCores: input.cpuCores,
    memoryMb: input.memoryMb,
    locationId: gw(input.locationId),
    networkIds: input.networkIds?.map(gw),
    sshPublicKeys: input.sshPublicKeys,
    powerOn: input.powerOn,
  };
}

/** What the gateway's HTTP API sends for an operation (bodies just valid enough to reach the capability check). */
function requestOf(
  operation: OperationName,
  connection: string,
  id: string,
  force = false,
): { method: string; path: string; body?: unknown } {
  const collection = COLLECTIONS[OPERATION_RESOURCE[operation]];
  switch (operation) {
    case 'server.create':
      return {
        method: 'POST',
        path: collection,
        body: { provider: connection, name: 'refused', imageId: id },
      };
    case 'volume.create':
      return {
        method: 'POST',
        path: collection,
        body: { provider: connection, name: 'refused', sizeGb: 10 },
      };
    case 'network.create':
      return { method: 'POST', path: collection, body: { provider: connection, name: 'refused' } };
    case 'ip.allocate':
      return { method: 'POST', path: collection, body: { provider: connection } };
    case 'server.rename':
      return { method: 'PATCH', path: `${collection}/${id}`, body: { name: 'refused' } };
    case 'server.stop':
      return { method: 'POST', path: `${collection}/${id}/stop`, body: { force } };
    case 'server.resize':
      return { method: 'POST', path: `${collection}/${id}/resize`, body: { cpuCores: 2, memoryMb: 2048 } };
    case 'server.rebuild':
      return { method: 'POST', path: `${collection}/${id}/rebuild`, body: { imageId: id } };
    case 'volume.resize':
      return { method: 'POST', path: `${collection}/${id}/resize`, body: { sizeGb: 500 } };
    case 'sshKey.create':
      return {
        method: 'POST',
        path: collection,
        body: { provider: connection, name: 'refused', publicKey: newSshPublicKey('refused@conformance') },
      };
    case 'volume.attach':
    case 'ip.attach':
      return { method: 'POST', path: `${collection}/${id}/attach`, body: { serverId: id } };
    default:
      return DELETE_OPERATIONS.has(operation)
        ? { method: 'DELETE', path: `${collection}/${id}` }
        : { method: 'POST', path: `${collection}/${id}/${operation.split('.')[1]}` };
  }
}

describe.each(DRIVERS.map((driver): [string, ConformanceDriver] => [driver.kind, driver]))(
  'port conformance of %s (adapter against its simulator, real HTTP)',
  (_kind, driver) => {
    let subject: Subject;

    beforeAll(async () => {
      subject = await startSubject(driver);
    });

    beforeEach(() => subject.reset());

    afterAll(() => subject?.stop());

    const can = (operation: OperationName) => subject.connection.can(operation);
    const reader = <T extends ResourceType>(type: T) => readerOf(subject.connection, type)!;
    const get = <T extends ResourceType>(type: T, nativeId: string) => reader(type).get(nativeId);
    const createServer = async () => {
      const created = await run(subject, 'server.create', null, subject.backend.inputs.server(fresh('srv')));
      return created.nativeId!;
    };
    /** A stop the backend accepts: in order, unless it can only cut the power. */
    const stopInput = () => ({ force: unsupportedReason(subject.connection, 'server.stop') !== null });

    describe('capabilities', () => {
      it('should derive can() and the capability list from the same plans, and explain every missing operation', () => {
        const { connection } = subject;
        for (const operation of OPERATION_NAMES) {
          expect([operation, connection.can(operation)]).toEqual([
            operation,
            connection.capabilities.includes(operation),
          ]);
          const reason = connection.unsupportedReasons?.[operation];
          if (connection.can(operation)) {
            // A reason for an operation the adapter does would contradict its capability document.
            expect([operation, reason]).toEqual([operation, undefined]);
          } else if (reason !== undefined) {
            expect([operation, reason.trim().length > 0]).toEqual([operation, true]);
          }
        }
        for (const type of TYPES) {
          expect([type, connection.capabilities.includes(`${type}.read`)]).toEqual([
            type,
            readerOf(connection, type) !== undefined,
          ]);
        }
        // Every backend reads and creates servers: the cases below start from one.
        expect(connection.capabilities).toEqual(expect.arrayContaining(['server.read', 'server.create']));
      });
    });

    describe('reads', () => {
      it('should list every type it reads as {items, skipped}, each item normalized from its native record', async () => {
        for (const type of TYPES) {
          const native = nativeReaderOf(subject.adapter, type);
          if (!native) continue;
          const [raw, listed] = [await native.list(), await reader(type).list()];
          expect(Object.keys(listed).sort()).toEqual(['items', 'skipped']);
          expect(listed.skipped).toEqual(raw.skipped);
          expect(listed.skipped).toEqual([]);
          // The seed has at least one of each type the backend reads, so the checks below check something (SSH
          // keys are a tenant's own: the SSH key cases make some).
          if (type !== ResourceType.SshKey) expect([type, listed.items.length > 0]).toEqual([type, true]);
          expect(listed.items.map((i) => i.nativeId)).toEqual(raw.items.map((i) => i.nativeId));
          listed.items.forEach((item, i) => expectNormalized(subject, type, item, raw.items[i]));
        }
        expect(subject.unknownStates).toEqual([]);
      });

      it('should read one item as the list shows it, and answer null for an id that names nothing', async () => {
        for (const type of TYPES) {
          const native = nativeReaderOf(subject.adapter, type);
          if (!native) continue;
          expect([type, await get(type, subject.backend.absentId(type))]).toEqual([type, null]);
          const [first] = (await reader(type).list()).items;
          if (!first) continue;
          const one = await get(type, first.nativeId);
          expect(one).toMatchObject({ id: first.id, name: first.name });
          expect(stateOf(one)).toBe(stateOf(first));
          expectNormalized(subject, type, one!, (await native.get(first.nativeId))!);
        }
      });

      it('should point every reference at a resource of the same connection', async () => {
        const all = async <T extends ResourceType>(type: T) =>
          (await readerOf(subject.connection, type)?.list())?.items;
        const [servers, volumes, ips] = [
          await all(ResourceType.Server),
          await all(ResourceType.Volume),
          await all(ResourceType.Ip),
        ];
        const serverIds = servers!.map((s) => s.id);
        // Server references to volumes name volumes the connection lists, and the other way round.
        if (volumes) {
          const volumeIds = volumes.map((v) => v.id);
          for (const server of servers!) expect(volumeIds).toEqual(expect.arrayContaining(server.volumeIds));
          for (const volume of volumes) if (volume.serverId) expect(serverIds).toContain(volume.serverId);
        }
        for (const ip of ips ?? []) if (ip.serverId) expect(serverIds).toContain(ip.serverId);
      });
    });

    describe('lifecycles', () => {
      it('should create a server that runs, then stop, start, reboot, rename and delete it as far as it can', async () => {
        const before = await census(subject.connection);
        const name = fresh('life');
        const created = await run(subject, 'server.create', null, subject.backend.inputs.server(name));
        const id = created.nativeId!;
        expect(id).toEqual(expect.any(String));
        // A step that read the server anyway hands it over normalized, as a read would.
        if (created.resource)
          expect(created.resource).toMatchObject({
            id: formatResourceId(subject.name, id),
            provider: subject.name,
            name,
          });
        expect(await get(ResourceType.Server, id)).toMatchObject({
          id: formatResourceId(subject.name, id),
          name,
          state: ServerState.Running,
        });
        const after = await census(subject.connection);
        expect(after[ResourceType.Server].filter((n) => !before[ResourceType.Server].includes(n))).toEqual([
          id,
        ]);

        const steps: [OperationName, () => Promise<unknown>, (server: Server | null) => void][] = [
          [
            'server.stop',
            () => run(subject, 'server.stop', id, stopInput()),
            (s) => expect(s?.state).toBe(ServerState.Stopped),
          ],
          [
            'server.start',
            () => run(subject, 'server.start', id, {}),
            (s) => expect(s?.state).toBe(ServerState.Running),
          ],
          [
            'server.reboot',
            () => run(subject, 'server.reboot', id, {}),
            (s) => expect(s?.state).toBe(ServerState.Running),
          ],
          [
            'server.rename',
            () => run(subject, 'server.rename', id, { name: `${name}-renamed` }),
            (s) => expect(s?.name).toBe(`${name}-renamed`),
          ],
          ['server.delete', () => run(subject, 'server.delete', id, {}), (s) => expect(s).toBeNull()],
        ];
        for (const [operation, act, check] of steps) {
          if (!can(operation)) continue;
          await act();
          check(await get(ResourceType.Server, id));
        }
        if (can('server.delete'))
          expect((await census(subject.connection))[ResourceType.Server]).not.toContain(id);
      });

      it('should create a volume, attach, detach and delete it as far as it can', async () => {
        if (!can('volume.create')) {
          expect(subject.backend.inputs.volume).toBeUndefined();
          return;
        }
        const server = await createServer();
        const gwServer = formatResourceId(subject.name, server);
        const name = fresh('vol');
        const created = await run(
          subject,
          'volume.create',
          null,
          subject.backend.inputs.volume!(name, server),
        );
        const id = created.nativeId!;
        const volume = await get(ResourceType.Volume, id);
        expect(volume).toMatchObject({ id: formatResourceId(subject.name, id), name });
        const detached = { state: VolumeState.Available, serverId: null };
        const attached = { state: VolumeState.InUse, serverId: gwServer };
        expect(volume).toMatchObject(volume!.serverId ? attached : detached);
        if (volume!.serverId && can('volume.detach')) {
          await run(subject, 'volume.detach', id, {});
          expect(await get(ResourceType.Volume, id)).toMatchObject(detached);
        }
        if (can('volume.attach')) {
          await run(subject, 'volume.attach', id, { serverId: server });
          expect(await get(ResourceType.Volume, id)).toMatchObject(attached);
          expect((await get(ResourceType.Server, server))!.volumeIds).toContain(
            formatResourceId(subject.name, id),
          );
        }
        if (can('volume.detach')) {
          await run(subject, 'volume.detach', id, {});
          expect(await get(ResourceType.Volume, id)).toMatchObject(detached);
        }
        if (can('volume.delete')) {
          await run(subject, 'volume.delete', id, {});
          expect(await get(ResourceType.Volume, id)).toBeNull();
        }
      });

      it('should create a network and delete it as far as it can', async () => {
        if (!can('network.create')) {
          expect(subject.backend.inputs.network).toBeUndefined();
          return;
        }
        const name = fresh('net');
        const created = await run(subject, 'network.create', null, subject.backend.inputs.network!(name));
        const id = created.nativeId!;
        expect(await get(ResourceType.Network, id)).toMatchObject({
          id: formatResourceId(subject.name, id),
          name,
          state: NetworkState.Available,
        });
        if (can('network.delete')) {
          await run(subject, 'network.delete', id, {});
          expect(await get(ResourceType.Network, id)).toBeNull();
        }
      });

      it('should allocate an IP, attach, detach and release it as far as it can', async () => {
        if (!can('ip.allocate')) {
          expect(subject.backend.inputs.ip).toBeUndefined();
          return;
        }
        const server = await createServer();
        const gwServer = formatResourceId(subject.name, server);
        const allocated = await run(subject, 'ip.allocate', null, subject.backend.inputs.ip!(server));
        const id = allocated.nativeId!;
        const ip = await get(ResourceType.Ip, id);
        expect(ip).toMatchObject({ id: formatResourceId(subject.name, id), address: expect.any(String) });
        const detached = { state: IpState.Available, serverId: null };
        const attached = { state: IpState.Attached, serverId: gwServer };
        expect(ip).toMatchObject(ip!.serverId ? attached : detached);
        if (ip!.serverId && can('ip.detach')) {
          await run(subject, 'ip.detach', id, {});
          expect(await get(ResourceType.Ip, id)).toMatchObject(detached);
        }
        if (can('ip.attach')) {
          await run(subject, 'ip.attach', id, { serverId: server });
          expect(await get(ResourceType.Ip, id)).toMatchObject(attached);
        }
        if (can('ip.detach')) {
          await run(subject, 'ip.detach', id, {});
          expect(await get(ResourceType.Ip, id)).toMatchObject(detached);
        }
        if (can('ip.release')) {
          await run(subject, 'ip.release', id, {});
          expect(await get(ResourceType.Ip, id)).toBeNull();
        }
      });
    });

    describe('unsupported operations', () => {
      const refusals = () => {
        const { connection } = subject;
        const operations = OPERATION_NAMES.filter((operation) => !connection.can(operation));
        // Actions the backend cannot do although their operation exists (a graceful stop on bare metal).
        const actions = ACTION_NAMES.filter(
          (action) =>
            connection.can(ACTIONS[action].operation) && unsupportedReason(connection, action) !== null,
        );
        return { operations, actions };
      };

      it('should refuse each operation it lacks at the port, with a reason, before any backend call', async () => {
        const { operations } = refusals();
        const { connection } = subject;
        await subject.clearRequests();
        for (const operation of operations) {
          const type = OPERATION_RESOURCE[operation];
          const reason = connection.unsupportedReasons?.[operation] ?? DEFAULT_REASON;
          expect([operation, reason.length > 0]).toEqual([operation, true]);
          const target = CREATE_OPERATIONS.has(operation) ? null : subject.backend.absentId(type);
          expect(() => connection.plan({ operation, target, input: {}, taskId: taskIdOf(0) })).toThrow(
            `${subject.name} cannot ${operation}`,
          );
        }
        expect(await subject.requests()).toEqual({});
        // No operation left out is one the adapter's plans map still has.
        expect(operations.filter((operation) => connection.capabilities.includes(operation))).toEqual([]);
      });

      it('should publish the same support in its capability document, and answer 501 for what it lacks before any backend call', async () => {
        const { operations, actions } = refusals();
        const name = subject.name;
        // On this case's own simulator (so nothing is left running if the gateway fails to start).
        const simulator = subject.backend.simulator;
        const startedAt = Date.now() - 1;
        const gateway = await startTestGateway({
          connections: [{ name, kind: subject.kind }],
          reuse: { simulators: new Map([[name, simulator]]) },
          role: 'api',
          tuning: subject.backend.connectionFields,
        });
        try {
          const call = async (method: string, path: string, body?: unknown) => {
            const response = await fetch(`${gateway.baseUrl}${path}`, {
              method,
              headers: {
                authorization: `Bearer ${KEYS.admin}`,
                ...(body === undefined ? {} : { 'content-type': 'application/json' }),
              },
              body: body === undefined ? undefined : JSON.stringify(body),
            });
            return { status: response.status, body: (await response.json()) as Record<string, unknown> };
          };
          // The capability document says what the port says, with the same reasons.
          const detail = (await call('GET', `/v1/providers/${name}`)).body as {
            capabilities: string[];
            labels: unknown;
            features: unknown;
            operations: { operation: string; supported: boolean; reason?: string }[];
            actions: { action: string; supported: boolean; reason?: string }[];
          };
          expect(detail.capabilities).toEqual([...subject.connection.capabilities]);
          // Where each type's labels live, and the parts of a server create the adapter takes or not, and why.
          const { features } = subject.connection;
          expect(detail.labels).toMatchObject({
            byType: Object.fromEntries(
              LABELED_TYPES.map((type) => [type, subject.connection.labelStorage(type)]),
            ),
          });
          const feature = (supported: boolean, reason: string | undefined) =>
            supported || reason === undefined ? { supported } : { supported, reason };
          expect(detail.features).toMatchObject({
            userData: features.userData
              ? { supported: true, maxBytes: features.userData.maxBytes }
              : feature(false, features.reasons?.userData),
            sshKeyIds: feature(features.sshKeyIds === true, features.reasons?.sshKeyIds),
            sshPublicKeys: feature(features.sshPublicKeys === true, features.reasons?.sshPublicKeys),
          });
          for (const operation of OPERATION_NAMES) {
            expect(detail.operations.find((o) => o.operation === operation)).toMatchObject(
              operations.includes(operation)
                ? {
                    operation,
                    supported: false,
                    reason: subject.connection.unsupportedReasons?.[operation] ?? DEFAULT_REASON,
                  }
                : { operation, supported: true },
            );
          }
          for (const action of ACTION_NAMES) {
            const reason = unsupportedReason(subject.connection, action);
            expect(detail.actions.find((a) => a.action === action)).toMatchObject(
              reason === null ? { action, supported: true } : { action, supported: false, reason },
            );
          }
          // The gateway probes its connection once at start, in the background: wait until it has recorded that.
          const probed = async () => {
            const { lastCheckedAt } = (await call('GET', `/v1/providers/${name}`)).body;
            return typeof lastCheckedAt === 'string' && Date.parse(lastCheckedAt) >= startedAt;
          };
          for (let i = 0; !(await probed()); i++) {
            if (i > 200) throw new Error('the test gateway never probed its connection');
            await new Promise((resolve) => setTimeout(resolve, 25));
          }
          await subject.clearRequests();
          // What each refusal is, the operation its request asks for, whether it is a forced stop, and why not.
          const refused: [string, OperationName, boolean, string | undefined][] = [
            // A relabel the backend cannot do is no refusal: the gateway keeps those labels itself.
            ...operations
              .filter((operation) => !isRelabel(operation))
              .map((operation): [string, OperationName, boolean, string | undefined] => [
                operation,
                operation,
                false,
                subject.connection.unsupportedReasons?.[operation],
              ]),
            ...actions.map((action: ActionName): [string, OperationName, boolean, string | undefined] => [
              action,
              ACTIONS[action].operation,
              action === 'server.forceStop',
              unsupportedReason(subject.connection, action)!,
            ]),
          ];
          for (const [what, operation, force, reason] of refused) {
            const id = formatResourceId(name, subject.backend.absentId(OPERATION_RESOURCE[operation]));
            const request = requestOf(operation, name, id, force);
            const answer = await call(request.method, request.path, request.body);
            expect([what, answer.status, answer.body.code]).toEqual([what, 501, 'unsupported_operation']);
            if (reason) expect([what, answer.body.detail]).toEqual([what, expect.stringContaining(reason)]);
          }
          // Parts of a server create the adapter does not take: 501 naming the field, before any backend call.
          const lacking = [
            ['userData', !features.userData, { userData: '#cloud-config\n' }],
            ['sshKeyIds', !features.sshKeyIds, { sshKeyIds: [formatResourceId(name, 'absent-key')] }],
            ['sshPublicKeys', !features.sshPublicKeys, { sshPublicKeys: [newSshPublicKey('refused')] }],
          ] as const;
          for (const [field, lacks, part] of lacking) {
            if (!lacks) continue;
            const answer = await call('POST', COLLECTIONS.server, { ...serverBody(subject), ...part });
            expect([field, answer.status, answer.body.code]).toEqual([field, 501, 'unsupported_operation']);
            expect([field, answer.body.detail]).toEqual([field, expect.stringContaining(field)]);
          }
          expect(await subject.requests()).toEqual({});
        } finally {
          await gateway.close();
        }
      });
    });

    describe('raw states nobody maps', () => {
      it('should show an unknown raw state as unknown and report it, never fail the read', async () => {
        let covered = 0;
        // SSH keys have no state.
        for (const type of STATEFUL_TYPES) {
          if (!readerOf(subject.connection, type)) continue;
          // A seeded resource: the driver forces its raw state in the simulator.
          const [first] = (await reader(type).list()).items;
          const raw = await subject.backend.unknownState(type, first.nativeId);
          if (raw === null) continue;
          covered++;
          subject.unknownStates.length = 0;
          const one = await get(type, first.nativeId);
          expect(one).toMatchObject({ nativeId: first.nativeId, state: 'unknown' });
          expect(one!.providerState?.toLowerCase()).toContain(raw.toLowerCase());
          const listed = await reader(type).list();
          expect(listed.items.find((item) => item.nativeId === first.nativeId)).toMatchObject({
            state: 'unknown',
          });
          expect(subject.unknownStates.map((s) => s.toLowerCase())).toEqual(
            expect.arrayContaining([expect.stringContaining(raw.toLowerCase())]),
          );
        }
        // Servers at least: every driver has a way to show one.
        expect(covered).toBeGreaterThan(0);
      });
    });

    describe('adopt after a crash', () => {
      const creates: OperationName[] = [
        'server.create',
        'volume.create',
        'network.create',
        'ip.allocate',
        'sshKey.create',
      ];

      /**
       * What appeared between two snapshots: the resources of the created type, and the others that do not belong
       * to the created resource (a server's boot disks and addresses do; a drive cloned and left behind does not).
       */
      const appeared = (
        before: Record<ResourceType, AnyResource[]>,
        after: Record<ResourceType, AnyResource[]>,
        type: ResourceType,
      ) => {
        const added = (t: ResourceType) =>
          after[t].filter((r) => !before[t].some((old) => old.nativeId === r.nativeId));
        const made = added(type).map((r) => r.nativeId);
        const owner =
          type === ResourceType.Server ? made.map((id) => formatResourceId(subject.name, id)) : [];
        const loose = TYPES.filter((t) => t !== type).flatMap((t) =>
          added(t)
            .filter((r) => !('serverId' in r && r.serverId && owner.includes(r.serverId)))
            .map((r) => `${t} ${r.nativeId}`),
        );
        return { made, loose };
      };

      it.each(creates)(
        'should end %s resumed at each create call that landed with one resource, adopted, and nothing extra',
        async (operation) => {
          if (!can(operation)) {
            expect(() => nonIdempotentSteps(subject, operation, {})).toThrow(/cannot/);
            return;
          }
          const type = OPERATION_RESOURCE[operation];
          const { inputs } = subject.backend;
          const server =
            operation === 'volume.create' || operation === 'ip.allocate' ? await createServer() : '';
          const input = (name: string) =>
            (operation === 'server.create'
              ? inputs.server(name)
              : operation === 'volume.create'
                ? inputs.volume!(name, server)
                : operation === 'network.create'
                  ? inputs.network!(name)
                  : operation === 'sshKey.create'
                    ? { name, publicKey: newSshPublicKey(`${name}@conformance`) }
                    : inputs.ip!(server)) as never;
          // What one create leaves besides its resource when nothing goes wrong (usually nothing).
          let before = await snapshot(subject.connection);
          await run(subject, operation, null, input(fresh('clean')));
          const clean = appeared(before, await snapshot(subject.connection), type);
          expect(clean.made).toHaveLength(1);

          const creating = nonIdempotentSteps(subject, operation, input('probe'));
          // A create without a step that looks before it acts would repeat its call after a crash.
          expect(creating.length).toBeGreaterThan(0);
          let adopted = 0;
          for (const step of creating) {
            const name = fresh('crash');
            before = await snapshot(subject.connection);
            const { landed, resumed } = await crashAt(
              subject,
              operation,
              input(name),
              taskIdOf(),
              step.index,
            );
            const { made, loose } = appeared(before, await snapshot(subject.connection), type);
            expect([step.name, made]).toEqual([step.name, [resumed.nativeId]]);
            expect([step.name, loose.length]).toEqual([step.name, clean.loose.length]);
            if (landed.length > 0) {
              // The lost call made the resource: the resumed step found it instead of making another.
              expect([step.name, landed]).toEqual([step.name, [resumed.nativeId]]);
              adopted++;
            }
            if (type !== ResourceType.Ip) expect((await get(type, resumed.nativeId!))!.name).toBe(name);
          }
          expect(adopted).toBeGreaterThan(0);
        },
      );
    });

    describe('delete of a missing resource', () => {
      /** How a run ends: `done`, or the code of the gateway error it failed with. */
      const outcomeOf = (running: Promise<unknown>) =>
        running.then(
          () => 'done',
          (error: unknown) => (error instanceof GatewayError ? error.code : String(error)),
        );
      /** `done`: the resource is gone, as asked (unless the driver declares a known deviation). */
      const expectedOutcome = (operation: OperationName) =>
        subject.backend.deviations?.deleteOfMissing?.[operation]?.code ?? 'done';

      it.each([...DELETE_OPERATIONS])(
        'should end %s of an id that names nothing without creating anything',
        async (operation) => {
          const type = OPERATION_RESOURCE[operation];
          if (!can(operation)) {
            expect(() =>
              subject.connection.plan({ operation, target: '1', input: {}, taskId: taskIdOf(0) }),
            ).toThrow(/cannot/);
            return;
          }
          const before = await census(subject.connection);
          const outcome = await outcomeOf(run(subject, operation, subject.backend.absentId(type), {}));
          expect(outcome).toBe(expectedOutcome(operation));
          expect(await census(subject.connection)).toEqual(before);
        },
      );

      it('should end server.delete of a server that vanished behind its back', async () => {
        const id = await createServer();
        await subject.backend.vanish(ResourceType.Server, id);
        const before = await census(subject.connection);
        expect(before[ResourceType.Server]).not.toContain(id);
        const outcome = await outcomeOf(run(subject, 'server.delete', id, {}));
        expect(outcome).toBe(expectedOutcome('server.delete'));
        expect(await census(subject.connection)).toEqual(before);
      });
    });
  },
);
