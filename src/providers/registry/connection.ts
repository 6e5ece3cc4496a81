import type { ConnectionConfig } from '../../config/gateway-config';
import type { Image, Location, Plan } from '../../domain/catalog.dto';
import type { IpAddress } from '../../domain/ip-address.dto';
import type { AnyResource } from '../../domain/resource';
import type { Network } from '../../domain/network.dto';
import type { Server } from '../../domain/server.dto';
import type { SshKey } from '../../domain/ssh-key.dto';
import type { LabeledType } from '../../domain/labels';
import type { ProviderKind } from '../../domain/states';
import type { Volume } from '../../domain/volume.dto';
import type { OperationPlan, OperationStep, StepOutcome } from '../ports/operation-plan';
import type { OperationName, OperationRequest } from '../ports/operations';
import type { NormalizedCatalog, ResourceReader } from '../ports/ports';
import type { ProviderAdapter } from '../ports/provider-adapter';
import { capabilitiesOf, type Capability } from './capabilities';
import { ResourceNormalizer } from './resource-normalizer';

/** A native reader seen through the normalizer: one observation time per answer. */
function normalizedReader<N, R>(
  reader: {
    list(): Promise<{ items: N[]; skipped: { nativeId: string | null; reason: string }[] }>;
    get(id: string): Promise<N | null>;
  },
  normalize: (native: N, observedAt: string) => R,
): ResourceReader<R> {
  return {
    async list() {
      const { items, skipped } = await reader.list();
      const observedAt = new Date().toISOString();
      return { items: items.map((item) => normalize(item, observedAt)), skipped };
    },
    async get(nativeId) {
      const native = await reader.get(nativeId);
      return native === null ? null : normalize(native, new Date().toISOString());
    },
  };
}

/**
 * One configured connection as the core sees it: its adapter's reads and plans in gateway terms (gateway ids,
 * stamped fields), its capabilities computed once, and its settings. Built by the registry; the core never
 * holds an adapter.
 */
export class Connection {
  readonly name: string;
  readonly kind: ProviderKind;
  readonly servers?: ResourceReader<Server>;
  readonly volumes?: ResourceReader<Volume>;
  readonly networks?: ResourceReader<Network>;
  readonly ips?: ResourceReader<IpAddress>;
  readonly sshKeys?: ResourceReader<SshKey>;
  readonly catalog?: NormalizedCatalog;
  readonly capabilities: readonly Capability[];
  readonly normalizer: ResourceNormalizer;

  constructor(
    private readonly adapter: ProviderAdapter,
    /** The connection's configuration, tuning included (defaults applied by the config validator). */
    readonly settings: ConnectionConfig,
  ) {
    this.name = adapter.name;
    this.kind = adapter.kind;
    const normalizer = (this.normalizer = new ResourceNormalizer(adapter.name, adapter.kind));
    if (adapter.servers)
      this.servers = normalizedReader(adapter.servers, (n, at) => normalizer.server(n, at));
    if (adapter.volumes)
      this.volumes = normalizedReader(adapter.volumes, (n, at) => normalizer.volume(n, at));
    if (adapter.networks)
      this.networks = normalizedReader(adapter.networks, (n, at) => normalizer.network(n, at));
    if (adapter.ips) this.ips = normalizedReader(adapter.ips, (n, at) => normalizer.ip(n, at));
    if (adapter.sshKeys)
      this.sshKeys = normalizedReader(adapter.sshKeys, (n, at) => normalizer.sshKey(n, at));
    const catalog = adapter.catalog;
    if (catalog) {
      const normalized: { -readonly [K in keyof NormalizedCatalog]: NormalizedCatalog[K] } = {};
      if (catalog.images)
        normalized.images = async (): Promise<Image[]> =>
          (await catalog.images!()).map((item) => normalizer.image(item));
      if (catalog.plans)
        normalized.plans = async (): Promise<Plan[]> =>
          (await catalog.plans!()).map((item) => normalizer.plan(item));
      if (catalog.locations)
        normalized.locations = async (): Promise<Location[]> =>
          (await catalog.locations!()).map((item) => normalizer.location(item));
      this.catalog = normalized;
    }
    this.capabilities = capabilitiesOf(adapter);
  }

  /** A connection no longer in the configuration: it can do nothing, and says so. */
  static removed(name: string, kind: ProviderKind): Connection {
    const adapter: ProviderAdapter = { name, kind, plans: {}, probe: () => Promise.resolve() };
    return new Connection(adapter, { name, kind } as ConnectionConfig);
  }

  get optionSchemas() {
    return this.adapter.optionSchemas;
  }

  get unsupportedReasons() {
    return this.adapter.unsupportedReasons;
  }

  get actions() {
    return this.adapter.actions;
  }

  get requestRules() {
    return this.adapter.requestRules;
  }

  get features() {
    return this.adapter.features ?? {};
  }

  /** Where the labels of a type live: in the backend (`native`) or in the gateway's store. */
  labelStorage(type: LabeledType): 'native' | 'gateway' {
    return this.adapter.features?.nativeLabels?.includes(type) ? 'native' : 'gateway';
  }

  /** Whether the adapter can do the operation at all. */
  can(operation: OperationName): boolean {
    return this.adapter.plans[operation] !== undefined;
  }

  /**
   * The adapter's plan of a request, with the resources its steps report normalized. Throws when the adapter
   * cannot do the operation: callers check `can` (intake answers 501 before this).
   */
  plan<O extends OperationName>(request: OperationRequest<O>): OperationPlan<AnyResource> {
    const planner = this.adapter.plans[request.operation];
    if (!planner) throw new Error(`${this.name} cannot ${request.operation}`);
    const plan = planner(request);
    const normalizer = this.normalizer;
    const step = (inner: OperationStep): OperationStep<AnyResource> => ({
      name: inner.name,
      idempotent: inner.idempotent,
      async run(ctx): Promise<StepOutcome<AnyResource>> {
        const outcome = await inner.run(ctx);
        if (outcome.status !== 'done' || !outcome.resource) return outcome as StepOutcome<AnyResource>;
        return { ...outcome, resource: normalizer.resource(plan.resourceType, outcome.resource) };
      },
    });
    // Member by member: a plan may be a class instance whose methods a spread would drop.
    return {
      resourceType: plan.resourceType,
      steps: plan.steps.map(step),
      deadlineSeconds: plan.deadlineSeconds,
      effectStep: plan.effectStep,
      reconcile: plan.reconcile?.bind(plan),
      onFailure: plan.onFailure?.bind(plan),
    };
  }

  probe(): Promise<void> {
    return this.adapter.probe();
  }

  async close(): Promise<void> {
    await this.adapter.close?.();
  }
}
