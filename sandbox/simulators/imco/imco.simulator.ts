/**
 * IMCO (Ingram Micro Cloud Orchestrator) API v2/v3 simulator, written from IMCO's API documentation and its
 * command-line clients, independently of our adapter. The facts it relies on, and the choices below, are in
 * docs/providers/imco.md.
 *
 * Choices made where the docs leave a fact unknown or only inferred (each links to its section):
 * - Transport (#authentication-mutual-tls): HTTPS that demands a client certificate signed by the simulator's
 *   CA (made with @peculiar/x509 at the first start in `dataDir` and kept there: `ca_cert.pem`, `cert.crt`,
 *   `private/cert.key`, like the API-key zip). No certificate → TLS alert "certificate required"; a certificate
 *   of another CA → Node closes the connection right after the handshake (a client sees a reset). There is no
 *   HTTP-level auth error.
 * - Certificate names (#certificates): `O=cloudmux sandbox` on the CA (`CN=cloudmux sandbox IMCO CA`) and on
 *   every certificate it signs (the client's is `OU=Users, CN=cloudmux sandbox user`), all PrintableStrings.
 *   Never `O=Tapp` nor `OU=Hosts`: IMCO's own clients take such a certificate for a host agent's. A data folder
 *   made with the older `O=Tapp` CA is renewed at the next start.
 * - Versions (#endpoint-and-api-versions): paths live under `/v2` and `/v3` alike; v2 answers lack the v3 fields
 *   (`ssh_profile_ids`, `brownfield_state`, `desired_remote_id`, cloud-account `state`/`error_event_id`) and take
 *   only `ssh_profile_id`. `GET /ping` answers 200 `{"pong": true, "api_version": "v3"}`.
 * - Success (#json-and-lists): creates 201 (config `createStatus: 200`); reads, updates and actions 200 with the
 *   resource; DELETE of a server 200 with the server, now `decommissioning` (config `serverDeleteBody: "empty"`
 *   → 204); every other DELETE (resources, discards, detaches) 204 without a body; attaches 200 with the
 *   attached Server.
 * - Errors (#errors): validation 422 `{"errors": {"<field>": ["..."]}}` (`base` for the whole record, e.g. "is
 *   attached"); a refused transition 422 `{"errors": {"state": ["cannot transition via \"boot\" from
 *   \"operational\""]}}`, or with config `wrongStateStyle: "error-409"` 409 `{"error": "..."}`; unknown id 404
 *   `{"error": "Couldn't find Server with 'id'=..."}`; unknown route 404; malformed JSON 400. Injected faults use
 *   `{"error"}` (the errors hash for 422), or plain text with config `errorBodyStyle: "text"` (the clients'
 *   raw-text fallback).
 * - Commission (#servers): `name`, `template_id` (a `ready` template), `server_plan_id` and `cloud_account_id`
 *   are required, plan and account of the same provider. `firewall_profile_id` defaults to the account's default
 *   profile (as for server arrays); SSH profiles are optional; `subnet_id` must be an active subnet of a VPC in
 *   the account and the plan's region; `privateness` keeps the server off public addresses; `label_ids` must
 *   exist.
 * - Server timings, simulated seconds (#servers, #server-states): commissioning 8 → inactive (private IP
 *   given); boot: booting 4 → bootstrapping 6 (public IP given) → operational; shutdown: shutting_down 4 →
 *   inactive; reboot (operational only): booting → bootstrapping → operational (config `rebootStyle:
 *   "operational"`: stays operational); override: stalled → operational at once; DELETE (inactive, stalled or
 *   commission_stalled only): decommissioning 5 → gone (404); its volumes and floating IPs are detached and
 *   kept. Rename is immediate and refused while decommissioning. A failure (config `failNext`) ends in
 *   commission_stalled (commission) or stalled (boot, reboot, shutdown, decommission), with an `error` event on
 *   the server (#events).
 * - Volumes (#volumes-and-storage-plans): commissioning 3 → detached; attaching 3 → attached (device
 *   /dev/xvdf...); detaching 3 → detached; decommissioning 3 → gone; `error` when creation fails. Attach needs a
 *   detached volume and an inactive or operational server of the same cloud account and realm. Delete and
 *   discard refuse attached volumes (422 base); discard is immediate. New volumes need a non-deprecated storage
 *   plan and a size within its min..max (GB).
 * - VPCs (#networks-vpcs-and-subnets): commissioning 5 → active; decommissioning 5 → gone with their subnets;
 *   refused while a server is in one of its subnets. Subnets: commissioning 3 → active, inside the VPC's CIDR
 *   and not overlapping a sibling.
 * - Floating IPs (#floating-ips): the address is known at once (198.51.100.0/24); commissioning 2 → detached;
 *   attaching and detaching 2; decommissioning 2 → gone; release and discard refuse an attached address.
 * - Addresses (#servers): server public IPs from 100.64.0.0/16 (a server that cannot get one stalls); private
 *   ones from the subnet (from .10) or 172.31.0.0/16.
 * - Labels (#labels, #labels-and-crash-safe-creates): a name of the CLI's characters (letters, digits, spaces,
 *   `.`, `_`, `-`; at most 1,024), else 422 `{"errors": {"name": ["is invalid"]}}`; unique among the user's
 *   labels (422 "has already been taken"); IMCO's own labels are namespaced and apart (the seeded server carries a
 *   CAT deployment's). Tagging (`POST /labels/{id}/resources`, types `server`, `volume`, `vpc`, `floating_ip`,
 *   `ssh_profile`, `firewall_profile`, `template`) answers `[{id, resource_type}]` and tags once however often
 *   asked; untagging a label the resource lacks answers 204 too; both take effect at once. There is no label
 *   delete (no client has one).
 * - Templates (#templates, #cookbook_versions): the v3 docs' four states. POST makes a `created` template
 *   (nothing can be built from it yet) and keeps `run_list`, `cookbook_versions` (a hash of cookbook name →
 *   version fields, 422 for any other shape) and `configuration_attributes` as sent. `PUT .../compile` (body
 *   ignored) from created, ready (a recompile) or compiling_error → compiling 3 → ready, or compiling_error (with
 *   an error event) when `failNext` says so; a compile while compiling is a refused transition. A server with a
 *   template that is not ready is invalid input: 422 `{"errors": {"template_id": ["is not ready (compiling)"]}}`.
 *   Seeded templates are ready.
 * - SSH profiles (#ssh-keys, #ssh-and-firewall-profiles): `public_key` must be an OpenSSH public key; the
 *   private key is never returned; names need not be unique; `label_ids` as on other creates; a profile used by
 *   a server cannot be deleted (422 `base`), any other is gone at once (204). Server plans (#cloud-accounts-realms-and-plans):
 *   v3 requires `realm_id` (422), v2 lists every plan.
 * - Lists (#json-and-lists): never paged (bare arrays); `server_id` filters volumes and floating IPs; unknown
 *   query parameters are ignored. Servers oldest first, events newest first. No rate limits (only injected
 *   ones).
 * - Control API: `/__sim/` is served on a plain-HTTP port of its own (`handle.url`; the API port + 1 when a port
 *   is given) as well as over mutual TLS. `/__sim/config` takes `wrongStateStyle`, `errorBodyStyle`,
 *   `createStatus`, `serverDeleteBody`, `rebootStyle`, `failNext` (`{"servers.boot": 1}`, see FAILABLE;
 *   `{"templates.compile": 1}` ends the next compile in compiling_error) and `setStates` (`{"servers": {"<id>":
 *   "hibernating"}}`, any raw state, for servers, volumes, vpcs, subnets, floating_ips and templates).
 *   `/__sim/reset` restores the seed.
 *
 * - No user-data, server resize, volume resize or rebuild (#user-data, #resize-and-rebuild): IMCO has none, so
 *   neither has the simulator (a `user_data` field of a create is ignored, as any unknown field).
 *
 * Not modelled: server arrays (`GET /cloud/server_arrays` answers `[]`, an id 404: #server-arrays), operational
 * script execution, wizard apps and quick launch, brownfield import, VPNs, load balancers, policies, server
 * credentials and cookbooks (a template's `cookbook_versions` are kept, never resolved).
 */
import { ProviderKind } from '../../../src/domain/states';
import { SimClock } from '../common/sim-clock';
import { createSimServer } from '../common/sim-server';
import type { SimulatorDefinition, SimulatorHandle, SimulatorOptions } from '../common/simulator';
import { listenForControl } from './imco-sim.control';
import { injectedErrorBody } from './imco-sim.errors';
import { type ImcoPki, ensurePki } from './imco-sim.pki';
import { registerImcoRoutes } from './imco-sim.routes';
import { ImcoSimState } from './imco-sim.state';

export interface ImcoSimulatorOptions extends Partial<SimulatorOptions> {
  speed: number;
  dataDir: string;
}

export interface ImcoSimulatorHandle extends SimulatorHandle {
  /** API base over mutual TLS (`https://host:port/v3`), the same as `connection.endpoint`. */
  apiUrl: string;
  state: ImcoSimState;
  pki: ImcoPki;
}

export async function startImcoSimulator(options: ImcoSimulatorOptions): Promise<ImcoSimulatorHandle> {
  const host = options.host ?? '127.0.0.1';
  const pki = await ensurePki(options.dataDir);
  const clock = new SimClock(options.speed);
  const state = new ImcoSimState(clock);
  const server = createSimServer({
    host,
    port: options.port,
    errorBody: injectedErrorBody(() => state.config.errorBodyStyle),
    reset: () => state.reset(),
    describe: () => state.describe(),
    configure: (settings) => state.configure(settings),
    https: {
      key: pki.server.keyPem,
      cert: pki.server.certPem,
      ca: pki.ca.certPem,
      requestCert: true,
      rejectUnauthorized: true,
    },
  });
  registerImcoRoutes(server.app, state);
  const root = await server.listen();
  const control = await listenForControl(server.app, host, options.port ? options.port + 1 : 0).catch(
    async (error: unknown) => {
      await server.close();
      throw error;
    },
  );
  const apiUrl = `${root}/v3`;
  return {
    kind: ProviderKind.Imco,
    url: control.url,
    apiUrl,
    state,
    pki,
    connection: {
      kind: ProviderKind.Imco,
      endpoint: apiUrl,
      tls: { certFile: pki.files.certFile, keyFile: pki.files.keyFile, caFile: pki.files.caFile },
    },
    async stop() {
      clock.stop();
      await control.close();
      await server.close();
    },
  };
}

export const imcoSimulator: SimulatorDefinition = {
  kind: ProviderKind.Imco,
  start: ({ host, port, speed, dataDir }) => startImcoSimulator({ host, port, speed, dataDir }),
};
