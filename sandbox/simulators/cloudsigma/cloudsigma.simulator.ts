/**
 * CloudSigma API 1.0 simulator (the legacy text/plain key-value API), written from the backend facts of
 * docs/providers/cloudsigma.md (the vendor's 1.0 manual and the recorded answers of public 1.0 clients),
 * independently of our adapter: it has its own reading of the wire format.
 *
 * What it speaks: HTTP Basic auth (email:password); paths at the host root; GET reads, POST changes; `key value`
 * text bodies whatever the Content-Type (objects separated by one blank line, lists of bare UUIDs, `type value`
 * lists for IPs and VLANs); `errors:<field> <message>` lines; 200 with the object for create/info/set/clone, 204
 * for stop, shutdown, reset and destroys; `/guests/` as an alias of `/servers/`.
 *
 * Its choices where docs/providers/cloudsigma.md#simulator-choices marks a fact [U] unknown or [I] inferred:
 * - Auto-start: `/servers/create` starts the server, as the manual's example answer is `status active`; config
 *   `createStarts: false` leaves it `stopped`. `/servers/create/stopped` is not offered
 *   (docs/providers/cloudsigma.md#creating-a-server).
 * - `start` answers 200 with the server object; config `startStatus: 204`. start on an active server, and
 *   stop/shutdown/reset on one that is not active, answer 400 `errors:status ...`. Start and stop take effect at
 *   once; shutdown is ACPI: the guest powers off after `shutdownMs` (5 s at speed 1), or never with `ignoreAcpi`.
 *   reset keeps the server active and renews `started` (epoch seconds) (docs/providers/cloudsigma.md#power-actions).
 * - `persistent` defaults to false (the siblings' default): stopping or shutting down a server that is not
 *   persistent destroys it. Seeded servers are persistent. Destroying an active server answers 409 ("resource is
 *   busy"); its drives are kept (docs/providers/cloudsigma.md#servers).
 * - Not found: an unknown UUID or address in a path answers 400 `errors:system <Type> <id> could not be found...`;
 *   config `notFoundStatus: 404`. An unknown command path answers 404, a known one with the other verb 405. A
 *   POST without Content-Length (or chunked body) answers 411 (docs/providers/cloudsigma.md#errors,
 *   docs/providers/cloudsigma.md#transport-and-auth).
 * - Verbs: start/stop/shutdown/reset/destroy, `/resources/ip/create` and every destroy accept GET and POST; create,
 *   set and clone are POST only; reads are GET only. The Accept header is ignored: answers are always text/plain.
 * - Drive clone answers at once with the new drive; imaging runs in the background: `imaging queued` for
 *   `imagingQueueMs` (2 s), then `imaging NN%` for `imagingMs` (15 s), then the key is gone. While copying,
 *   `status` stays `active` (config `imagingStatus: true` shows `status imaging`) and `claimed` holds
 *   `<host>:imaging`. A copying drive cannot be cloned, set, started with or attached (409); it can be destroyed
 *   (the copy is abandoned). A clone keeps the source's library metadata (type, os, bits, notes, licenses...) and
 *   accepts `name`, `size` (not below the source's), `claim:type`, `tags`, `readers`, `use`, `user:<k>` and
 *   libcloud's `driveType hdd|ssd` (docs/providers/cloudsigma.md#drive-states-and-imaging).
 * - Drive sizes: bytes, or with a k/M/G/T suffix (binary), from 1 MiB to 1 TiB; `set` may grow, never shrink
 *   (docs/providers/cloudsigma.md#drives). A new `size` while a running server has the drive answers 409 (config
 *   `resizeWhileRunning: true` accepts it); a grown drive has its new size at once (docs/providers/cloudsigma.md#resize).
 * - `user:<k>` lines are free metadata on servers and drives: taken by create, clone and `set`, kept as sent
 *   (any value, `""` included), cleared by a line sent empty, changeable while a server runs. VLANs take no
 *   metadata (`set` renames only) and static IPs have no `set` (docs/providers/cloudsigma.md#labels).
 * - Server `cpu`, `smp` and `mem` change by `set` on a stopped server only (409 while active), at once; so does a
 *   device key, which is how a boot drive is swapped for a fresh clone (docs/providers/cloudsigma.md#resize,
 *   docs/providers/cloudsigma.md#rebuild). No user-data, cloud-init or SSH key keys exist: a `set` or create with
 *   one answers 400 `Unknown key.` (docs/providers/cloudsigma.md#user-data).
 * - `claimed` lists `<host>:guest:<server>:<device>` for every server that has the drive as a device, running or
 *   not (config `claimWhenStopped: false`: running servers only); a shared drive on several servers has one entry
 *   per server, space-separated. An exclusive drive can be the device of one server only (400 "currently in
 *   use"); a library drive only as a `cdrom`. Destroying a drive that is any server's device answers 400
 *   "currently in use" (docs/providers/cloudsigma.md#drives-on-several-servers).
 * - `set` changes only the keys sent; an empty value removes the key. On an active server only name, persistent,
 *   description, use, tags, parent, vnc:password and user:<k> may change; other keys answer 409
 *   (docs/providers/cloudsigma.md#attach-and-detach).
 * - Server keys are checked: cpu 1000-20000 MHz, mem 256-32768 MB, smp 1-16 or auto, at least 1 GHz and at
 *   most 2.2 GHz per core (`auto` = as few cores as keep each at or under 2.2 GHz), nic models
 *   e1000/rtl8139/virtio, vnc:password at most 8 characters; unknown keys answer 400 `errors:<key> Unknown key.`,
 *   all problems of a request at once, echoing the request around the error lines. Keys the server reports
 *   (status, started, counters...) are ignored when sent back (docs/providers/cloudsigma.md#server-sizes).
 * - `nic:0:dhcp auto` shows the temporary address (198.51.100.x) while active and `auto` when stopped; a static
 *   IP shows its address either way; `vnc:ip auto` shows the public address while active. A server created with
 *   a public NIC (`nic:0:model`, no VLAN) and no `nic:0:dhcp` line at all gets a temporary address too, and
 *   shows it only as `vnc:ip` (no `nic:0:dhcp` line). A server without any nic:0 key has no public address: its
 *   `vnc:ip` stays `auto` (docs/providers/cloudsigma.md#a-servers-public-address).
 * - Static IPs come from 192.0.2.22 on; `/resources/ip/create` answers the new IP alone, or every IP of the
 *   account with `ipCreateReturnsAll`. Config `ipCreateCount: n` (1-8) makes each create allocate n addresses
 *   and answer them all, in allocation order (all or none: 400 when the pool cannot give n). A static IP held by
 *   a server's `nic:N:dhcp` cannot be destroyed or given to a second server (400 "currently in use"); neither
 *   can a VLAN with a NIC on it (docs/providers/cloudsigma.md#static-ip-create-answer).
 * - Server statuses: active and stopped are produced; config `serverStatus: {uuid: "dumped"}` forces any raw
 *   value (dumped, dead, paused or an unknown word) until the next start/stop or `null`. A forced server counts
 *   as not active: it can be started or destroyed (docs/providers/cloudsigma.md#server-states).
 * - `/profile/info` answers the account (never a secret key). X-Elastic-Error is never sent; 402 never happens
 *   (inject it with a fault).
 *
 * Control API (`/__sim/`): faults with this API's error lines; `/state` counts; `/config` takes createStarts,
 * startStatus, notFoundStatus, imagingStatus, claimWhenStopped, ipCreateReturnsAll, ipCreateCount, ignoreAcpi,
 * resizeWhileRunning, imagingQueueMs, imagingMs, shutdownMs (simulated ms), serverStatus and bulkUserKeys (extra `user:` lines per server,
 * for a bloated object); `/reset` restores the seed and these defaults.
 *
 * Not modelled: drive read/write (binary), server clone, multiple-server commands, server groups, billing and
 * subscriptions, profile set: they answer 404 (unknown command).
 */
import { randomBytes } from 'node:crypto';
import { ProviderKind } from '../../../src/domain/states';
import { SimClock } from '../common/sim-clock';
import { createSimServer } from '../common/sim-server';
import type { SimulatorDefinition, SimulatorHandle, SimulatorOptions } from '../common/simulator';
import { injectedErrorBody } from './cloudsigma-sim.errors';
import { registerCloudsigmaRoutes } from './cloudsigma-sim.routes';
import { CloudsigmaSimState } from './cloudsigma-sim.state';

export const CLOUDSIGMA_SIM_EMAIL = 'sandbox@cloudsigma.test';

export interface CloudsigmaSimulatorOptions extends Partial<SimulatorOptions> {
  speed: number;
  /** Fixed password (tests); random per start otherwise. */
  password?: string;
  email?: string;
}

export interface CloudsigmaSimulatorHandle extends SimulatorHandle {
  email: string;
  password: string;
  state: CloudsigmaSimState;
}

export async function startCloudsigmaSimulator(
  options: CloudsigmaSimulatorOptions,
): Promise<CloudsigmaSimulatorHandle> {
  const clock = new SimClock(options.speed);
  const email = options.email ?? CLOUDSIGMA_SIM_EMAIL;
  const password = options.password ?? randomBytes(18).toString('base64url');
  const state = new CloudsigmaSimState(clock);
  const server = createSimServer({
    host: options.host,
    port: options.port,
    errorBody: injectedErrorBody,
    reset: () => state.reset(),
    describe: () => state.describe(),
    configure: (settings) => state.configure(settings),
  });
  registerCloudsigmaRoutes(server.app, { state, email, password });
  const url = await server.listen();
  return {
    kind: ProviderKind.Cloudsigma,
    url,
    email,
    password,
    state,
    // The API is at the host root, like api.zrh.cloudsigma.com.
    connection: { kind: ProviderKind.Cloudsigma, endpoint: url, email, password },
    async stop() {
      clock.stop();
      await server.close();
    },
  };
}

export const cloudsigmaSimulator: SimulatorDefinition = {
  kind: ProviderKind.Cloudsigma,
  start: ({ host, port, speed, secret }) => startCloudsigmaSimulator({ host, port, speed, password: secret }),
};
