/**
 * ISPsystem DCImanager 6 simulator (bare metal), written from ISPsystem's public docs and their API examples
 * page, independently of our adapter. Services: Auth v4 (`/auth/v4`), DCI back (`/dci/v3`) and IPmanager
 * (`/ip/v3`), each reachable with and without the `/api` prefix (docs/providers/dcimanager.md#urls-and-transport).
 *
 * Choices made where the docs leave a fact unknown or open (each is marked unknown in the linked section):
 * - Login `POST /auth/v4/public/token {email, password}` answers 201 `{"id": "<session id>", "token"}`; wrong
 *   credentials 401 (code 1001). `POST /auth/v4/user/{id|email}/key` (admins) mints a one-time key valid for one
 *   simulated hour, traded at `POST /auth/v4/public/key {key}`; `GET /auth/v4/whoami` names the user
 *   (docs/providers/dcimanager.md#authentication, docs/providers/dcimanager.md#login-keys).
 * - Sessions end after `sessionLifetimeMs` without requests (idle rule; default 60 simulated minutes); every
 *   authorized request refreshes them. No refresh or logout endpoint
 *   (docs/providers/dcimanager.md#session-lifetime).
 * - A missing, unknown or expired token answers HTTP 401 with code 1000 (`sessionErrorStatus` switches the status
 *   to 403 or 400, code still 1000). The token is read from `x-xsrf-token`, else from cookie `ses6`; a POST or
 *   DELETE with the cookie only is refused as CSRF (403, code 1002). `isp-box-instance` is not required; calls
 *   without it are counted in `/__sim/state` (`requestsWithoutBoxHeader`)
 *   (docs/providers/dcimanager.md#session-lifetime, docs/providers/dcimanager.md#authentication).
 * - Error codes (ours; DCImanager's are not public): 1000 session, 1001 bad login, 1002 CSRF, 1003 forbidden,
 *   2000 not found (404), 2001 invalid value, 2002 missing field, 2003 malformed JSON, 2004 method not allowed
 *   (405), 2005 body not JSON (415), 3001 wrong power state, 3002 server busy with an operation, 3003 wrong
 *   suspend state, 3004 owned by another user, 3005 no main IPv4 for an OS install, 3006 address in use, 3007 no
 *   free address, 3008 no BMC or PDU, 5000 unexpected, 5030 service waking (503). Business refusals are HTTP 400
 *   (docs/providers/dcimanager.md#errors).
 * - Request bodies: JSON is read whatever the content type (the docs' curl examples send `-d '{}'` as a form);
 *   no body, or an empty one of any type, is `{}`. Only a body that does not parse as JSON is refused: 400/2003
 *   when it is declared as JSON, 415/2005 otherwise. How the real service treats a non-JSON body is unknown
 *   (docs/providers/dcimanager.md#request-bodies).
 * - Lists: `{list, size}` (server lists add `last_notify`, a change counter). `where` supports EQ, NE, CP (`%`
 *   and `_` wildcards), GT, LT, GE, LE, `IS [NOT] null`, NOT/AND/OR and parentheses; string comparisons ignore
 *   case; a quote inside a literal is doubled; an unknown field or operator is a 400. `orderby` takes
 *   `field asc|desc[, ...]` (default `id asc`). `limit=<offset>,<count>` or `limit=<count>`; without a limit, and
 *   at most, a page is `maxPageSize` rows (default 1000). GET by id answers the same object as the list row
 *   (docs/providers/dcimanager.md#lists, docs/providers/dcimanager.md#filters,
 *   docs/providers/dcimanager.md#paging).
 * - Power: `power_on` when off or unknown, `power_off` only when on, `power_reset` always; anything else
 *   400/3001. A server without BMC (power `unknown`) refuses power commands (3008). The status changes after the
 *   command has run (3 s); there is no transitional power value, and a reset of a running server stays `on`.
 *   Power commands and new operations are refused while an operation runs (3002)
 *   (docs/providers/dcimanager.md#power-commands).
 * - Every action answers `{"id", "task"}`: `id` is the server for power/suspend/resume, the new operation for
 *   operation_os/clear_hdd/diag, the address for IP allocate/release; `task` is an opaque number. There is no task
 *   endpoint (none is confirmed for DCI) (docs/providers/dcimanager.md#long-operations).
 * - Operations: status `created`, then `running` through named stages (`progress_info: [{name, status}]`, stage
 *   status pending/running/complete/fail); success clears `operation` (or leaves it `complete` with
 *   `keepFinishedOperation`); failure leaves it `fail` with `status_info.msg`. OS install (5 stages of 5 s) needs
 *   `os_template_id`, a password (6+ characters) or SSH keys, a main IPv4 on the server, and enough disks for
 *   `hdd_raid` (no_raid, raid_0/1: 2, raid_5: 3, raid_10: 4); it ends with the server on. A disk wipe
 *   (`clear_hdd`: none 1 s, simple 8 s, full 20 s) removes the OS and leaves the server off
 *   (docs/providers/dcimanager.md#operation-status, docs/providers/dcimanager.md#disks).
 * - Reinstall: `operation_os` on a server that already has an OS is the same call (no other is documented): the
 *   template and the installed keys are replaced when it completes, id, owner, notes and addresses stay; the old
 *   template shows until then, none after a failure. A server that is suspending, suspended or resuming is refused
 *   (400, code 3003: the installer boots over the network and the switch ports are down). The keys an install
 *   took are kept in-process (`installedKeys`), never shown on the wire; passwords are not kept
 *   (docs/providers/dcimanager.md#rebuild).
 * - No tags or labels anywhere, no user-data on `operation_os` (its other fields are ignored, as unknown fields
 *   are), no SSH key objects, no resize (docs/providers/dcimanager.md#labels,
 *   docs/providers/dcimanager.md#user-data, docs/providers/dcimanager.md#ssh-keys,
 *   docs/providers/dcimanager.md#resize).
 * - Suspend/resume: `suspending` → `suspended` with the switch ports administratively down, `resuming` → `ok`;
 *   power is left alone (docs/providers/dcimanager.md#state-rules-the-adapter-enforces).
 * - Ownership: `POST /server/{id}/owner {"owner": <user id>}` answers `{"id"}` at once; a server owned by
 *   another user is refused (3004), re-assigning the same owner is a no-op; `DELETE .../owner` always succeeds.
 *   Administrators see every server; users only their own (docs/providers/dcimanager.md#users-and-ownership).
 * - Edit: `POST /server/{id}` with `name`, `domain`, `note`, `user_note` (others ignored), answered `{"id"}`
 *   (docs/providers/dcimanager.md#server-endpoints).
 * - IPs: `POST /server/{id}/ip` takes `family` (default ipv4), `ip_pool`, `ip_net`, `ip_name`, `domain`,
 *   `set_as_main_ipv4`; without pool or network the location's networks (same userspace) are used. The address
 *   shows `allocating`, then `ok` after 2 s (`allocation_fail` when a failure is injected). Release is
 *   `POST` (documented) or `DELETE` on `/server/{id}/ip/{ip_id}` (`ipReleaseMethods`; the other answers 405):
 *   `deleting`, then gone. Free stock in the south has no address (an OS install there needs one first)
 *   (docs/providers/dcimanager.md#addresses-on-servers).
 * - Catalog paths (not in the public docs): `GET /dci/v3/location` and `GET /dci/v3/os_template` (both also by
 *   id); `hideCatalog` makes them 404. `GET /dci/v3/server/configuration` counts free servers (no owner, not
 *   `is_new`) per configuration, listing configurations with none free as 0. IPmanager: `ipnet`, `ippool`
 *   (docs/providers/dcimanager.md#catalog, docs/providers/dcimanager.md#ipmanager-networks).
 * - 503 wake-up: `sleep` (true, or a list of auth/dci/ip) sends services to sleep; the first request starts
 *   waking, which takes `wakeMs` (default 1.5 simulated s), and until then every request to it answers 503
 *   (code 5030). `idleSleepMs` > 0 sends a service to sleep after that long without requests
 *   (docs/providers/dcimanager.md#waking-services).
 * - Control API (`/__sim/config`): sessionLifetimeMs, sessionErrorStatus, expireSessions, maxPageSize,
 *   keepFinishedOperation, ipReleaseMethods, hideCatalog, sleep, wakeMs, idleSleepMs, paused (freezes running
 *   commands, operations and address changes where they are, so tests can observe them), failOperations
 *   (operation_os, operation_clear_hdd, operation_diag, ip_allocate: count), stock (n more free servers of the
 *   small configuration in the north, each with an address of 100.66.0.0/16: for the bench's many creates).
 *   `/__sim/reset` restores the seed,
 *   the settings, and drops sessions.
 *
 * Not modelled: switch ports and VLAN CRUD, PDUs, Intel AMT, user creation, server profiles, the Report, BMC
 * proxy, Equipment, Backup, rDNS and ISO services, rate limits (only injected ones).
 */
import { randomBytes } from 'node:crypto';
import { ProviderKind } from '../../../src/domain/states';
import { createSimServer } from '../common/sim-server';
import { SimClock } from '../common/sim-clock';
import type { SimulatorDefinition, SimulatorHandle, SimulatorOptions } from '../common/simulator';
import { injectedErrorBody } from './dcimanager-sim.errors';
import { registerDciRoutes } from './dcimanager-sim.routes';
import { SIM_ADMIN_EMAIL, SIM_OWNER_EMAIL } from './dcimanager-sim.seed';
import { DciSimState } from './dcimanager-sim.state';

export interface DcimanagerSimulatorOptions extends Partial<SimulatorOptions> {
  speed: number;
  /** The gateway account's password; random per start otherwise. */
  password?: string;
}

export interface DcimanagerSimulatorHandle extends SimulatorHandle {
  password: string;
  state: DciSimState;
}

export async function startDcimanagerSimulator(
  options: DcimanagerSimulatorOptions,
): Promise<DcimanagerSimulatorHandle> {
  const clock = new SimClock(options.speed);
  const password = options.password ?? randomBytes(18).toString('base64url');
  const state = new DciSimState(clock, password);
  const server = createSimServer({
    host: options.host,
    port: options.port,
    errorBody: injectedErrorBody,
    reset: () => state.reset(),
    describe: () => state.describe(),
    configure: (settings) => state.configure(settings),
  });
  registerDciRoutes(server.app, state);
  const url = await server.listen();
  return {
    kind: ProviderKind.Dcimanager,
    url,
    password,
    state,
    connection: {
      kind: ProviderKind.Dcimanager,
      endpoint: url,
      email: SIM_ADMIN_EMAIL,
      password,
      ownerEmail: SIM_OWNER_EMAIL,
    },
    async stop() {
      clock.stop();
      await server.close();
    },
  };
}

export const dcimanagerSimulator: SimulatorDefinition = {
  kind: ProviderKind.Dcimanager,
  start: ({ host, port, speed, secret }) => startDcimanagerSimulator({ host, port, speed, password: secret }),
};
