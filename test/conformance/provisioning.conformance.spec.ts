import { GatewayError } from '../../src/common/errors/gateway-error';
import { formatResourceId } from '../../src/common/ids/resource-id';
import { LABELED_TYPES, type LabeledType, type Labels } from '../../src/domain/labels';
import type { ResourceByType } from '../../src/domain/resource';
import type { Plan } from '../../src/domain/catalog.dto';
import type { LabeledResource } from '../../src/domain/resource-base.dto';
import type { Server } from '../../src/domain/server.dto';
import type { ResourceReader } from '../../src/providers/ports/ports';
import { ResourceType, ServerState, VolumeState } from '../../src/domain/states';
import { RefusalReason, type ActionName } from '../../src/providers/ports/actions';
import {
  RELABEL_OPERATIONS,
  type OperationInputs,
  type OperationName,
  type ServerResizeInput,
} from '../../src/providers/ports/operations';
import { judge, unsupportedReason } from '../../src/providers/registry/action-policy';
import type { ConformanceDriver } from './driver';
import { DRIVERS } from './drivers';
import {
  crashAt,
  fingerprintOf,
  fresh,
  mutatingRequests,
  nativeReaderOf,
  newSshPublicKey,
  readerOf,
  run,
  startSubject,
  stepsOf,
  taskIdOf,
  type Subject,
} from './harness';

/** The create operation of each labeled type. */
const CREATE_OF = {
  server: 'server.create',
  volume: 'volume.create',
  network: 'network.create',
  ip: 'ip.allocate',
} as const satisfies Record<LabeledType, OperationName>;

/** The resource type of each labeled type. */
const RESOURCE_OF = {
  server: ResourceType.Server,
  volume: ResourceType.Volume,
  network: ResourceType.Network,
  ip: ResourceType.Ip,
} as const satisfies Record<LabeledType, ResourceType>;

/** A key made with `ssh-keygen -t ed25519`, and the fingerprint `ssh-keygen -lf` printed for it. */
const KEYGEN_KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIL3qrnZxntew9XOuOjgHYoPbH27VIS4qK5iG/cKv045y conformance@cloudmux.test';
const KEYGEN_FINGERPRINT = 'SHA256:HdkoaYgAercnuU58fezzvqj7tShRkauuKQcCQObcIwI';

/** The key type and blob of an OpenSSH public key line: what makes it the same key (not comment or spacing). */
const keyOf = (line: string) => line.trim().split(/\s+/).slice(0, 2).join(' ');

/** Label sets that exercise the rules: dots, underscores and dashes in keys, `@:/+` in values, a present-only key. */
const FIRST: Labels = { env: 'prod', 'team.name': 'core_7', owner: 'ops@example.test', flag: '' };
/** FIRST with one value changed, two keys removed and one added. */
const SECOND: Labels = { env: 'staging', 'team.name': 'core_7', route: 'eu-1/a:b+c' };

/** How a run ends: `done`, or the gateway error it failed with. */
const outcomeOf = (running: Promise<unknown>): Promise<GatewayError | string> =>
  running.then(
    () => 'done',
    (error: unknown) => (error instanceof GatewayError ? error : String(error)),
  );

describe.each(DRIVERS.map((driver): [string, ConformanceDriver] => [driver.kind, driver]))(
  'provisioning conformance of %s (labels, user-data, SSH keys, resize, rebuild)',
  (_kind, driver) => {
    let subject: Subject;

    beforeAll(async () => {
      subject = await startSubject(driver);
    });

    beforeEach(() => subject.reset());

    afterAll(() => subject?.stop());

    const can = (operation: OperationName) => subject.connection.can(operation);
    const features = () => subject.connection.features;
    const reader = <T extends ResourceType>(type: T) => readerOf(subject.connection, type)!;
    const get = <T extends ResourceType>(type: T, nativeId: string) => reader(type).get(nativeId);
    /** The reader of a labeled type, or undefined where the connection does not read it. */
    const labeled = (type: LabeledType): ResourceReader<LabeledResource> | undefined =>
      readerOf(subject.connection, RESOURCE_OF[type]);
    const gw = (nativeId: string) => formatResourceId(subject.name, nativeId);
    /** Why an operation is missing: the adapter must say it (not the gateway's default). */
    const expectReason = (operation: OperationName) =>
      expect([operation, subject.connection.unsupportedReasons?.[operation]?.trim()]).toEqual([
        operation,
        expect.stringMatching(/\S/),
      ]);
    const expectFeatureReason = (feature: 'userData' | 'sshKeyIds' | 'sshPublicKeys' | 'labels') =>
      expect([feature, features().reasons?.[feature]?.trim()]).toEqual([
        feature,
        expect.stringMatching(/\S/),
      ]);
    const createServer = async (extra: Partial<OperationInputs['server.create']> = {}) => {
      const created = await run(subject, 'server.create', null, {
        ...subject.backend.inputs.server(fresh('srv')),
        ...extra,
      });
      return created.nativeId!;
    };
    /** Labels a resource of the type, made here with `labels` (a server first, for types that need one). */
    const createLabeled = async (type: LabeledType, name: string, labels: Labels) => {
      const { inputs } = subject.backend;
      const server = type === 'volume' || type === 'ip' ? await createServer() : '';
      const input =
        type === 'server'
          ? { ...inputs.server(name), labels }
          : type === 'volume'
            ? { ...inputs.volume!(name, server), labels }
            : type === 'network'
              ? { ...inputs.network!(name), labels }
              : { ...inputs.ip!(server), labels };
      const created = await run(subject, CREATE_OF[type], null, input as never);
      return created.nativeId!;
    };
    /** A stop the backend accepts: in order, unless it can only cut the power. */
    const stopInput = () => ({ force: unsupportedReason(subject.connection, 'server.stop') !== null });
    /**
     * The resource, once the backend's rules accept the action on it: a server the action wants stopped is
     * stopped first, a volume it wants detached is detached first (as a client reading `allowedActions` would).
     */
    const readyFor = async <T extends ResourceType.Server | ResourceType.Volume>(
      action: ActionName,
      type: T,
      nativeId: string,
    ): Promise<ResourceByType[T]> => {
      let resource = (await get(type, nativeId))!;
      const verdict = judge(subject.connection, action, resource, null);
      if (!verdict.allowed && verdict.reason === RefusalReason.WrongState) {
        if (type === ResourceType.Server && verdict.expectedStates?.includes(ServerState.Stopped)) {
          await run(subject, 'server.stop', nativeId, stopInput());
        } else if (
          type === ResourceType.Volume &&
          verdict.expectedStates?.includes(VolumeState.Available) &&
          can('volume.detach')
        ) {
          await run(subject, 'volume.detach', nativeId, {});
        }
        resource = (await get(type, nativeId))!;
      }
      expect([action, judge(subject.connection, action, resource, null)]).toEqual([
        action,
        { allowed: true },
      ]);
      return resource;
    };

    describe('labels', () => {
      it('should relabel exactly the types whose labels the backend keeps, and say why the gateway keeps the others', () => {
        const native = features().nativeLabels ?? [];
        for (const type of LABELED_TYPES) {
          const operation = RELABEL_OPERATIONS[type];
          expect([type, can(operation)]).toEqual([type, native.includes(type)]);
          expect([type, subject.connection.labelStorage(type)]).toEqual([
            type,
            native.includes(type) ? 'native' : 'gateway',
          ]);
          // Labels the backend keeps are labels of resources it reads.
          if (native.includes(type)) expect([type, labeled(type)]).not.toEqual([type, undefined]);
        }
        if (LABELED_TYPES.some((type) => !native.includes(type))) expectFeatureReason('labels');
      });

      it.each(LABELED_TYPES)(
        "should show a %s's labels as created, relabel them as a whole, even resumed after a crash, and keep its markers",
        async (type) => {
          const relabel = RELABEL_OPERATIONS[type];
          if (!can(CREATE_OF[type])) {
            // Nothing to label here; what the backend reads carries no labels the backend does not keep.
            const read = labeled(type);
            if (!can(relabel) && read)
              for (const item of (await read.list()).items)
                expect([item.nativeId, item.labels]).toEqual([item.nativeId, {}]);
            return;
          }
          const name = fresh(`lbl-${type}`);
          const id = await createLabeled(type, name, FIRST);
          const created = (await labeled(type)!.get(id))!;
          if (!can(relabel)) {
            // The gateway keeps these: the backend read shows none, whatever the create was given.
            expect(created.labels).toEqual({});
            expect(() =>
              subject.connection.plan({
                operation: relabel,
                target: id,
                input: { labels: SECOND },
                taskId: taskIdOf(0),
              }),
            ).toThrow(/cannot/);
            return;
          }
          expect(created.labels).toEqual(FIRST);
          const markers = (await subject.backend.markersOf?.(type, id)) ?? null;
          // A backend that keeps the create's marker among the labels shows it there after a create.
          if (markers !== null) expect(markers.length).toBeGreaterThan(0);
          const expectLabels = async (labels: Labels, when: string) => {
            const read = (await labeled(type)!.get(id))!;
            expect([when, read.labels]).toEqual([when, labels]);
            // A relabel touches neither the name nor the gateway's markers (the relabel omitted them).
            if (type !== 'ip') expect([when, read.name]).toEqual([when, name]);
            if (markers !== null)
              expect([when, await subject.backend.markersOf!(type, id)]).toEqual([when, markers]);
          };

          await run(subject, relabel, id, { labels: SECOND });
          await expectLabels(SECOND, 'relabelled');
          // The same whole set again changes nothing.
          await run(subject, relabel, id, { labels: SECOND });
          await expectLabels(SECOND, 'relabelled again');

          // A worker that died during any step: the step ran once, then the plan resumes at it.
          for (const step of stepsOf(subject, relabel, id, { labels: SECOND })) {
            const labels = { env: `resumed-${step.index}`, [`step-${step.index}`]: step.name.slice(0, 60) };
            await crashAt(subject, relabel, { labels }, taskIdOf(), step.index, id);
            await expectLabels(labels, `resumed at ${step.name}`);
          }

          await run(subject, relabel, id, { labels: {} });
          await expectLabels({}, 'emptied');
        },
      );
    });

    describe('user-data', () => {
      it('should pass user-data to the backend as it wants it where it declares so, never into step state or extra', async () => {
        const userData = features().userData;
        if (!userData) {
          expectFeatureReason('userData');
          return;
        }
        expect(Number.isInteger(userData.maxBytes) && userData.maxBytes > 0).toBe(true);
        expect([subject.kind, typeof subject.backend.userDataOf]).toEqual([subject.kind, 'function']);
        const secret = `conf-secret-${Math.random().toString(36).slice(2, 12)}`;
        const text = `#cloud-config\nwrite_files:\n  - path: /etc/conformance\n    content: "${secret} ünïcødé ✓"\n`;
        const created = await run(subject, 'server.create', null, {
          ...subject.backend.inputs.server(fresh('ud')),
          userData: text,
        });
        const id = created.nativeId!;
        expect(await subject.backend.userDataOf!(id)).toBe(text);
        expect((await get(ResourceType.Server, id))!.state).toBe(ServerState.Running);
        const native = await nativeReaderOf(subject.adapter, ResourceType.Server)!.get(id);
        const normalized = await get(ResourceType.Server, id);
        // Neither the text, nor its secret, nor its base64 form.
        const forms = [secret, Buffer.from(text).toString('base64'), Buffer.from(secret).toString('base64')];
        const places: [string, unknown][] = [
          ['step state', created.state],
          ['provider statuses', created.providerStatuses],
          ['native extra', native!.extra],
          ['extra', normalized!.extra],
          ['resource of the run', created.resource?.extra],
        ];
        for (const [where, value] of places) {
          const seen = JSON.stringify(value ?? null);
          for (const form of forms) expect([where, seen.includes(form)]).toEqual([where, false]);
        }
      });
    });

    describe('SSH keys', () => {
      it('should keep SSH keys where it declares so: create, list and get with the ssh-keygen fingerprint, delete', async () => {
        const { connection } = subject;
        const keeps = can('sshKey.create');
        expect([can('sshKey.delete'), readerOf(connection, ResourceType.SshKey) !== undefined]).toEqual([
          keeps,
          keeps,
        ]);
        expect(connection.capabilities.includes('sshKey.read')).toBe(keeps);
        if (!keeps) {
          expectReason('sshKey.create');
          expectReason('sshKey.delete');
          return;
        }
        // The suite's own fingerprint is the one ssh-keygen prints.
        expect(fingerprintOf(KEYGEN_KEY)).toBe(KEYGEN_FINGERPRINT);
        // What the reads show: that fingerprint, or none where the backend never shows the public key.
        const fingerprint = (expected: string) =>
          subject.backend.deviations?.sshKeyFingerprint ? null : expected;
        const name = fresh('key');
        const created = await run(subject, 'sshKey.create', null, { name, publicKey: KEYGEN_KEY });
        const id = created.nativeId!;
        const expected = {
          id: gw(id),
          nativeId: id,
          name,
          provider: subject.name,
          fingerprint: fingerprint(KEYGEN_FINGERPRINT),
        };
        const listed = (await reader(ResourceType.SshKey).list()).items.find((key) => key.nativeId === id);
        expect(listed).toMatchObject(expected);
        const got = await get(ResourceType.SshKey, id);
        expect(got).toMatchObject(expected);
        if (got!.publicKey !== null) expect(keyOf(got!.publicKey)).toBe(keyOf(KEYGEN_KEY));

        // A second key with its own fingerprint, so that the fingerprints are the keys' and not a constant.
        const other = newSshPublicKey('other@conformance');
        const second = await run(subject, 'sshKey.create', null, { name: fresh('key'), publicKey: other });
        expect(await get(ResourceType.SshKey, second.nativeId!)).toMatchObject({
          fingerprint: fingerprint(fingerprintOf(other)),
        });

        await run(subject, 'sshKey.delete', id, {});
        expect(await get(ResourceType.SshKey, id)).toBeNull();
        expect((await reader(ResourceType.SshKey).list()).items.map((key) => key.nativeId)).not.toContain(id);
        // Already gone: the delete ends done.
        expect(await outcomeOf(run(subject, 'sshKey.delete', id, {}))).toBe('done');
        expect(await get(ResourceType.SshKey, second.nativeId!)).not.toBeNull();
      });

      it('should create a server with keys it keeps (sshKeyIds) where it declares so', async () => {
        if (!features().sshKeyIds) {
          expectFeatureReason('sshKeyIds');
          return;
        }
        // Ids of keys the connection keeps: it must keep them.
        expect(can('sshKey.create')).toBe(true);
        const publicKey = newSshPublicKey('server@conformance');
        const key = await run(subject, 'sshKey.create', null, { name: fresh('key'), publicKey });
        const server = await createServer({ sshKeyIds: [key.nativeId!], sshPublicKeys: undefined });
        expect((await get(ResourceType.Server, server))!.state).toBe(ServerState.Running);
        if (subject.backend.serverKeysOf)
          expect((await subject.backend.serverKeysOf(server)).map(keyOf)).toContain(keyOf(publicKey));
      });

      it('should create a server with keys given as text (sshPublicKeys) where it declares so', async () => {
        if (!features().sshPublicKeys) {
          expectFeatureReason('sshPublicKeys');
          return;
        }
        const publicKey = newSshPublicKey('text@conformance');
        const server = await createServer({ sshPublicKeys: [publicKey] });
        expect((await get(ResourceType.Server, server))!.state).toBe(ServerState.Running);
        if (subject.backend.serverKeysOf)
          expect((await subject.backend.serverKeysOf(server)).map(keyOf)).toContain(keyOf(publicKey));
      });
    });

    describe('resize', () => {
      /**
       * A size the server can take, from the connection's catalog: another fixed plan (by `planId`, or by its
       * cores and memory where the adapter sizes freely and refuses plan ids), else cores and memory of a custom
       * plan. Plans tied to a location (`extra.locationId`) fit servers of that location only.
       */
      const newSizeOf = async (server: Server): Promise<{ input: ServerResizeInput; plan: Plan | null }> => {
        const plans = (await subject.connection.catalog?.plans?.()) ?? [];
        const fits = (plan: Plan) => {
          const where = plan.extra.locationId;
          return typeof where !== 'string' || server.locationId === null || where === server.locationId;
        };
        const fixed = plans.filter(
          (plan) =>
            !plan.custom &&
            plan.id !== server.planId &&
            fits(plan) &&
            plan.cpuCores !== null &&
            plan.memoryMb !== null &&
            (plan.cpuCores !== server.cpuCores || plan.memoryMb !== server.memoryMb),
        );
        const accepted = (input: ServerResizeInput) => {
          try {
            subject.connection.plan({
              operation: 'server.resize',
              target: server.nativeId,
              input,
              taskId: taskIdOf(0),
            });
            return true;
          } catch (error) {
            if (error instanceof GatewayError && error.code === 'validation_failed') return false;
            throw error;
          }
        };
        for (const plan of fixed) {
          if (accepted({ planId: plan.nativeId })) return { input: { planId: plan.nativeId }, plan };
          const bySize = { cpuCores: plan.cpuCores!, memoryMb: plan.memoryMb! };
          if (accepted(bySize)) return { input: bySize, plan };
        }
        if (plans.some((plan) => plan.custom)) {
          const bySize = { cpuCores: (server.cpuCores ?? 1) + 1, memoryMb: (server.memoryMb ?? 1024) + 1024 };
          expect(accepted(bySize)).toBe(true);
          return { input: bySize, plan: null };
        }
        throw new Error(`no plan of the ${subject.kind} catalog to resize server ${server.nativeId} to`);
      };

      it('should resize a server to a size of its catalog where it can, and read the new size', async () => {
        if (!can('server.resize')) {
          expectReason('server.resize');
          return;
        }
        const id = await createServer();
        const before = await readyFor('server.resize', ResourceType.Server, id);
        const { input, plan } = await newSizeOf(before);
        await run(subject, 'server.resize', id, input);
        const after = (await get(ResourceType.Server, id))!;
        expect(after).toMatchObject({
          id: gw(id),
          state: before.state,
          cpuCores: input.cpuCores ?? plan!.cpuCores,
          memoryMb: input.memoryMb ?? plan!.memoryMb,
        });
        if (input.planId) expect(after.planId).toBe(gw(input.planId));
      });

      it('should grow a volume where it can, and refuse to shrink it before any backend call that changes something', async () => {
        if (!can('volume.resize')) {
          expectReason('volume.resize');
          return;
        }
        // A volume it can grow is one it can make.
        expect(can('volume.create')).toBe(true);
        const server = await createServer();
        const created = await run(
          subject,
          'volume.create',
          null,
          subject.backend.inputs.volume!(fresh('grow'), server),
        );
        const id = created.nativeId!;
        const before = await readyFor('volume.resize', ResourceType.Volume, id);
        const size = before.sizeGb * 2;
        await run(subject, 'volume.resize', id, { sizeGb: size });
        expect(await get(ResourceType.Volume, id)).toMatchObject({ id: gw(id), sizeGb: size });

        for (const smaller of [size - 1, size]) {
          await subject.clearRequests();
          const outcome = await outcomeOf(run(subject, 'volume.resize', id, { sizeGb: smaller }));
          expect(outcome).toBeInstanceOf(GatewayError);
          const { status, code } = outcome as GatewayError;
          expect([smaller, status >= 400 && status < 500, code]).toEqual([smaller, true, expect.any(String)]);
          expect([smaller, await mutatingRequests(subject)]).toEqual([smaller, {}]);
        }
        expect((await get(ResourceType.Volume, id))!.sizeGb).toBe(size);
      });
    });

    describe('rebuild', () => {
      it('should rebuild a server from an image of its catalog where it can, keeping its identity', async () => {
        if (!can('server.rebuild')) {
          expectReason('server.rebuild');
          return;
        }
        const createInput = subject.backend.inputs.server(fresh('rebuild'));
        const id = await createServer({ name: createInput.name });
        const before = await readyFor('server.rebuild', ResourceType.Server, id);
        const images = (await subject.connection.catalog?.images?.()) ?? [];
        // The catalog offers the image the server was made from; another one, where it has one.
        expect(images.map((image) => image.nativeId)).toContain(createInput.imageId);
        const image =
          images.find((i) => i.nativeId !== createInput.imageId && i.id !== before.imageId) ??
          images.find((i) => i.nativeId === createInput.imageId)!;
        const publicKey = newSshPublicKey('rebuild@conformance');
        const secret = `conf-rebuild-${Math.random().toString(36).slice(2, 12)}`;
        const userData = `#!/bin/sh\necho ${secret}\n`;
        const rebuilt = await run(subject, 'server.rebuild', id, {
          imageId: image.nativeId,
          ...(features().sshPublicKeys ? { sshPublicKeys: [publicKey] } : {}),
          ...(features().userData ? { userData } : {}),
          providerOptions: {},
        });
        const after = (await get(ResourceType.Server, id))!;
        expect(after).toMatchObject({ id: gw(id), nativeId: id, name: createInput.name });
        expect([ServerState.Running, before.state]).toContain(after.state);
        if (after.imageId !== null) expect(after.imageId).toBe(image.id);
        if (features().userData) {
          expect(await subject.backend.userDataOf!(id)).toBe(userData);
          expect(JSON.stringify(rebuilt.state).includes(secret)).toBe(false);
          expect(JSON.stringify(after.extra).includes(secret)).toBe(false);
        }
        if (features().sshPublicKeys && subject.backend.serverKeysOf)
          expect((await subject.backend.serverKeysOf(id)).map(keyOf)).toContain(keyOf(publicKey));
      });
    });
  },
);
