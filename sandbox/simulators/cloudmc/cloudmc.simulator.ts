/**
 * CloudMC API v2 simulator (CloudStack plugin, "compute" service connection), written from CloudMC's public API
 * documentation (the facts it relies on: docs/providers/cloudmc.md), independently of our adapter.
 *
 * Choices made where the docs leave a fact unknown or open (marked unknown in docs/providers/cloudmc.md), each
 * with the section it concerns:
 * - Accepted async calls answer HTTP 200 `{"taskId", "taskStatus": "PENDING"}`; no mutation answers synchronously
 *   (docs/providers/cloudmc.md#conventions).
 * - Auth: a missing or wrong `MC-Api-Key` answers 401 with the errors envelope (code 1001). 401 is not in the
 *   docs' status table; 403 is never produced. Injected faults come before the auth check
 *   (docs/providers/cloudmc.md#errors).
 * - Error codes (docs/providers/cloudmc.md#errors): only 2012 (wrong state) is documented. Ours: 1000 unexpected,
 *   1001 unauthorized, 1002 not found (404), 1003 unsupported (405, below), 1004 forbidden, 1005 rate limited
 *   (injected only), 2001 invalid field, 2002 missing field, 2003 malformed body, 2012 wrong state, 2013 resource
 *   in use (attached volume, network with instances, source-NAT IP), 2020 quota (address pool exhausted). All are
 *   HTTP 400 unless noted. Every entry has a `context` (`field` for body errors). `errorKey: "errorCode"` gives
 *   go-cloudca's string codes (INVALID_STATE, NOT_FOUND, METHOD_NOT_ALLOWED, ...) instead.
 * - The errors envelope is a list: a create missing several required fields gets one entry per field (2002, each
 *   with its `context.field`); other refusals carry one entry (docs/providers/cloudmc.md#errors).
 * - Unsupported calls (docs/providers/cloudmc.md#unsupported-calls: the docs' status table has 405 for a verb an
 *   endpoint does not take, and nothing more precise): one answer everywhere, HTTP 405 code 1003, message
 *   `Cannot use <verb>[ ?operation=<op>] on <type>`, context `{method, operation?, type}`. It covers a verb an
 *   entity type does not take, a POST on an entity with no operation or one the type lacks, a collection
 *   operation other than `create`, non-GET calls on tasks and environments, and every call on a CloudStack entity
 *   type the simulator does not model (port-forwarding and load-balancer rules, snapshots, ISOs, ...). It is
 *   decided from the path, verb and operation before any lookup (an unknown id does not turn it into a 404). Only
 *   paths that exist nowhere (unknown service code, environment or entity type) answer 404.
 * - Unknown ids in the URL → 404; unknown ids inside a body (templateId, networkId, vpcId...) → 400 naming the
 *   field.
 * - Every VPC has one source-NAT public IP (its `sourceNatIp`), listed with purpose SOURCE_NAT, state Allocated
 *   and no instance; release and static NAT on it answer 400/2013. VPCs are not created, so only the seeded one
 *   exists (docs/providers/cloudmc.md#source-nat).
 * - Task poll (docs/providers/cloudmc.md#tasks): shape B by default, shape A by config; both are HTTP 200, also
 *   for FAILED tasks.
 * - FAILED payload: `result: {"message": "..."}` (no `errors` array). A failed task undoes what the request had
 *   already shown (a failed create removes the Starting instance and its volumes; a failed stop goes back to
 *   Running).
 * - Task lifetime: forgotten `taskTtlMs` after creation (default 30 simulated minutes), whatever their status;
 *   then `GET /tasks/:id` answers 404 (code 1002, context type "tasks"), like any unknown id. The operation
 *   itself still completes.
 * - Task results: creates/updates/operations return the entity as GET /:id shows it (instance create adds a
 *   one-time `password`); removals (purge, purged delete, volume/network delete, IP release) return `{"id"}`
 *   (SSH key delete: `{"name"}`).
 * - Instance fields (docs/providers/cloudmc.md#instances and #name-drift): v2 names `imageId`/`imageName` only
 *   (no `templateId`); `ipAddressId` on GET /:id and in task results, not in lists; no creation timestamp. Its
 *   value is distinct from the NIC id, and enableStaticNat accepts only an instance's `ipAddressId` (NIC
 *   secondary IPs are not modelled).
 * - Instance states (docs/providers/cloudmc.md#instance-states): Starting, Running, Stopping, Stopped, Rebooting,
 *   Destroyed, Expunging, Error (CloudStack names; nothing leads to Error yet). Reboot of a Stopped VM ends
 *   Running. Update (PUT) needs Running or Stopped; a hostname change on a running VM reboots it. Destroy (no
 *   purge) shows Stopping (if Running) then Destroyed; recover → Stopped. Destroy drops static NAT and port
 *   forwarding of the VM; its root volume turns `Destroy` until expunged, when it goes away and data volumes are
 *   detached. A Destroyed VM still blocks deleting its network.
 * - Volume states (docs/providers/cloudmc.md#volume-states): Creating → Ready, Attaching → Ready, Resizing →
 *   Ready, Destroy (while deleting). Custom sizes 5-1000 GB.
 * - Network states (docs/providers/cloudmc.md#network-states): Allocated (created, visible at once), Implemented
 *   (once a VM is placed), Destroy (deleting). Tiers get the next free /24 of the VPC CIDR; isolated networks a
 *   /24 of 10.1.0.0/16 unless gateway+netmask are given. Isolated networks accept an optional `zoneId` (default:
 *   first zone).
 * - Public IP states (docs/providers/cloudmc.md#public-ip-states): Allocating → Allocated, Releasing. Addresses
 *   come from 203.0.113.0/24 then 198.51.100.0/24; a static-NAT IP also shows `privateIpId` (TF reads it).
 *   `portsToForward` at create acquires a new VPC IP with purpose PORT_FORWARDING (never reuses one).
 * - Lists never paginate (docs/providers/cloudmc.md#conventions); `metadata.recordCount` equals the array length.
 *   `org_id` and unknown query parameters are ignored. No rate limits (only injected ones). Timestamps use a
 *   fixed -04:00 offset.
 * - Pending tasks do not lock their entity beyond the state checks (e.g. a second stop on a Stopping VM is a
 *   force stop, as documented).
 * - Extras the docs describe outside the services API: `GET /api/v2/environments[/:id]` answer one environment
 *   whose `serviceConnection.serviceCode` is ours (type `CloudCA`). HEAD works wherever GET does.
 * - SSH keys (docs/providers/cloudmc.md#ssh-keys): addressed by name; list/get show `name` and `fingerprint`
 *   only (MD5 of the key blob, colon hex), never the public key. Register (`POST {name, publicKey}`, what GO and
 *   TF send; undocumented for the CloudStack plugin) and delete (`DELETE /sshkeys/:name`) are tasks like every
 *   mutation; the name is taken at once (a second register of it is a 400 naming `name`), the key must be an
 *   OpenSSH public key (ssh-rsa, ssh-dss, ssh-ed25519, ecdsa-sha2-nistp*), names hold no space, `/`, `?` or `#`
 *   (at most 255 characters). Delete works whether instances use the key or not; its result is `{"name"}`.
 * - Instance create (docs/providers/cloudmc.md#user-data and #ssh-keys): `sshKeyName` and `publicKey` together
 *   are refused (400 on `publicKey`); a `publicKey` must be an OpenSSH public key. `userData` is plain text (as
 *   the docs' sample) and refused when its base64 exceeds 32768 characters (CloudStack's default
 *   `vm.userdata.max.length`); GET /:id shows it back as sent.
 * - changeComputeOffering (docs/providers/cloudmc.md#resize): body as a create's sizing (`computeOfferingId`,
 *   `cpuCount`/`memoryInMB` for a custom offering, validated the same way); needs Running or Stopped (2012); the
 *   fixed offering the VM already has is refused (400 on `computeOfferingId`). A running VM shows Stopping, then
 *   Starting at half time, and runs again with the new offering (the docs: it forces a reboot); a stopped one
 *   stays Stopped.
 * - Volume resize (docs/providers/cloudmc.md#volume-resize; not in the docs, GO and TF call it):
 *   `?operation=resize {sizeInGb[, iops, diskOfferingId]}` on a Ready data volume (root: 400/2013). Grow only
 *   (400 on `sizeInGb` otherwise), at most 1000 GB; a fixed-size offering needs `diskOfferingId` of a custom-size
 *   one (else 400). The volume shows `Resizing`; the instance it is attached to, when Running, shows Rebooting
 *   until the task ends (TF's docs: a resize reboots it).
 * - Control API (`/__sim/config`): `taskShape`, `taskTtlMs`, `errorKey`, `failOperations`
 *   (`<entity>.<operation>`: n; operations create, delete, update, start, stop, reboot, purge, recover,
 *   attachToInstance, detachFromInstance, enableStaticNat, disableStaticNat, changeComputeOffering, resize). A
 *   failure is decided when the task starts. `/__sim/reset` restores the seed and these settings, and drops all
 *   tasks.
 *
 * Not modelled: snapshots, ISOs, affinity groups (ids are stored as given), port-forwarding and load-balancer
 * rule entities, NIC create/delete, VPC create/update/delete, VPN, resetPassword, changeNetwork, associateSSHKey,
 * resource tags (the API has none). Such calls get the unsupported answer (405). There is no reinstall or restore
 * of an instance: the API has none (docs/providers/cloudmc.md#rebuild).
 */
import { randomBytes } from 'node:crypto';
import { ProviderKind } from '../../../src/domain/states';
import { createSimServer } from '../common/sim-server';
import { SimClock } from '../common/sim-clock';
import type { SimulatorDefinition, SimulatorHandle, SimulatorOptions } from '../common/simulator';
import { injectedErrorBody } from './cloudmc-sim.errors';
import { registerCloudmcRoutes } from './cloudmc-sim.routes';
import { CloudmcSimState } from './cloudmc-sim.state';

export const CLOUDMC_SIM_SERVICE_CODE = 'compute-sim';
export const CLOUDMC_SIM_ENVIRONMENT = 'sandbox';
const TASK_LIFETIME_MS = 30 * 60 * 1000;

export interface CloudmcSimulatorOptions extends Partial<SimulatorOptions> {
  speed: number;
  /** Fixed key (tests); random per start otherwise. */
  apiKey?: string;
  /** Real milliseconds a task is remembered (default: 30 simulated minutes). */
  taskTtlMs?: number;
  serviceCode?: string;
  environment?: string;
}

export interface CloudmcSimulatorHandle extends SimulatorHandle {
  apiKey: string;
  /** API base (`<url>/api/v2`), the same as `connection.endpoint`. */
  apiUrl: string;
  state: CloudmcSimState;
}

export async function startCloudmcSimulator(
  options: CloudmcSimulatorOptions,
): Promise<CloudmcSimulatorHandle> {
  const clock = new SimClock(options.speed);
  const apiKey = options.apiKey ?? randomBytes(24).toString('hex');
  const serviceCode = options.serviceCode ?? CLOUDMC_SIM_SERVICE_CODE;
  const environment = options.environment ?? CLOUDMC_SIM_ENVIRONMENT;
  const state = new CloudmcSimState(clock, options.taskTtlMs ?? clock.scaled(TASK_LIFETIME_MS));
  const server = createSimServer({
    host: options.host,
    port: options.port,
    errorBody: injectedErrorBody(() => state.config.errorKey),
    reset: () => state.reset(),
    describe: () => state.describe(),
    configure: (settings) => state.configure(settings),
  });
  registerCloudmcRoutes(server.app, { state, apiKey, serviceCode, environment });
  const url = await server.listen();
  const apiUrl = `${url}/api/v2`;
  return {
    kind: ProviderKind.Cloudmc,
    url,
    apiUrl,
    apiKey,
    state,
    connection: { kind: ProviderKind.Cloudmc, endpoint: apiUrl, apiKey, serviceCode, environment },
    async stop() {
      clock.stop();
      await server.close();
    },
  };
}

export const cloudmcSimulator: SimulatorDefinition = {
  kind: ProviderKind.Cloudmc,
  start: ({ host, port, speed, secret }) => startCloudmcSimulator({ host, port, speed, apiKey: secret }),
};
