import {
  ConflictError,
  NotFoundError,
  ProviderError,
  ValidationError,
} from '../../../common/errors/gateway-error';
import { ResourceType } from '../../../domain/states';
import { type Listed, mapListed, mapOne, ofType } from '../../kit/wire';
import type { NativeNetwork } from '../../ports/native';
import type { OperationPlan, OperationStep } from '../../ports/operation-plan';
import type { OperationRequest } from '../../ports/operations';
import type { NetworkReader } from '../../ports/ports';
import { PATHS, seg } from '../client/http.client';
import { ImcoServer, ImcoSubnet, ImcoVpc } from '../client/wire';
import type { ImRealm, ImSubnet, ImVpc } from '../client/wire.types';
import type { NetworkCreateOptions } from '../imco.options';
import { toNetwork } from '../model/mapper';
import { stateIs } from '../model/states';
import type { ImcoContext } from './context';
import { LABEL_TARGETS, relabelPlan } from './labels';
import { adoptCreated, createOnceStep, markables, markStep } from './marker.steps';
import { chooseAccount, firstRealm } from './reads';
import { failedCreate, later, waitGone, waitState } from './wait.steps';

// Networks are VPCs (docs/providers/imco.md#networks-vpcs-and-subnets); each new one gets a subnet (servers are
// placed in subnets) unless told otherwise.

const DEADLINE_S = 1_800;
const DEFAULT_CIDR = '10.0.0.0/16';

/** Checks an IPv4 CIDR and gives the subnet a new VPC gets by default: its first /24, or all of it. */
export function vpcRanges(cidr: string): { cidr: string; firstSubnet: string } {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr.trim());
  const octets = match?.slice(1, 5).map(Number) ?? [];
  const prefix = Number(match?.[5]);
  if (!match || octets.some((o) => o > 255) || prefix < 8 || prefix > 28)
    throw new ValidationError('IMCO VPCs take an IPv4 CIDR between /8 and /28.', [
      { field: 'cidr', message: 'must be an IPv4 CIDR such as 10.0.0.0/16' },
    ]);
  const value = octets.reduce((sum, octet) => sum * 256 + octet, 0);
  const size = 2 ** (32 - prefix);
  const base = value - (value % size);
  const text = (v: number) => [24, 16, 8, 0].map((shift) => Math.floor(v / 2 ** shift) % 256).join('.');
  return { cidr: `${text(base)}/${prefix}`, firstSubnet: `${text(base)}/${Math.max(prefix, 24)}` };
}

/** A VPC's subnets that pass their checks; none when the VPC went away meanwhile. */
async function subnetsOf(ctx: ImcoContext, vpcId: string): Promise<ImSubnet[]> {
  try {
    const answer = await ctx.client.list<unknown>(`${PATHS.vpcs}/${seg(vpcId)}/subnets`, 'subnets.list');
    return ofType(answer, ImcoSubnet);
  } catch (error) {
    if (error instanceof NotFoundError) return [];
    throw error;
  }
}

/** VPCs with their subnets; a subnet that fails its checks is left out of its VPC's `extra.subnets`. */
export class ImcoNetworkReader implements NetworkReader {
  constructor(private readonly context: ImcoContext) {}

  async list(): Promise<Listed<NativeNetwork>> {
    const [vpcs, labels] = await Promise.all([
      this.context.client.list<unknown>(PATHS.vpcs, 'vpcs.list'),
      this.context.labels.index(),
    ]);
    const limits = this.context.limits;
    // Subnets are read for the VPCs that will be shown: those that pass their checks, up to maxListItems.
    const shown = ofType(vpcs.slice(0, limits.maxItems), ImcoVpc);
    const subnets = new Map(
      await Promise.all(shown.map(async (vpc) => [vpc.id, await subnetsOf(this.context, vpc.id)] as const)),
    );
    return mapListed(
      vpcs,
      ImcoVpc,
      (vpc) => toNetwork(this.context.map, vpc, subnets.get(vpc.id) ?? [], labels),
      limits,
    );
  }

  async get(nativeId: string): Promise<NativeNetwork | null> {
    const [vpc, labels] = await Promise.all([
      this.context.client.get<unknown>(`${PATHS.vpcs}/${seg(nativeId)}`, 'vpcs.get'),
      this.context.labels.index(),
    ]);
    if (!vpc) return null;
    const subnets = ImcoVpc.is(vpc) ? await subnetsOf(this.context, vpc.id) : [];
    return mapOne(vpc, ImcoVpc, (valid) => toNetwork(this.context.map, valid, subnets, labels));
  }
}

/** The network operations: create (with a first subnet), delete and relabel. */
export class ImcoNetworkPlans {
  constructor(private readonly context: ImcoContext) {}

  private get client() {
    return this.context.client;
  }

  create(request: OperationRequest<'network.create'>): OperationPlan {
    const { name } = request.input;
    const options = request.input.providerOptions as NetworkCreateOptions;
    const ranges = vpcRanges(request.input.cidr ?? DEFAULT_CIDR);
    const listVpcs = markables(this.context, PATHS.vpcs, 'vpcs.list');
    const prepare: OperationStep = {
      name: 'prepare',
      run: async (step) => {
        const account = await chooseAccount(this.context, {
          explicit: options.cloudAccountId,
          field: 'providerOptions.cloudAccountId',
        });
        const region =
          options.realmProviderName ??
          (await this.regionOf(options.realmId, account.cloud_provider_id ?? ''));
        step.state.body = {
          name,
          cidr: ranges.cidr,
          cloud_account_id: account.id,
          realm_provider_name: region,
        };
        return { status: 'done' };
      },
    };
    const steps: OperationStep[] = [
      prepare,
      markStep(this.context, request.taskId, listVpcs, () => name, request.input.labels),
      createOnceStep(this.context, {
        name: 'create-vpc',
        noun: 'VPC',
        path: PATHS.vpcs,
        operation: 'vpcs.create',
        resourceName: name,
        labelIds: options.labelIds,
        body: (step) => step.state.body as object,
        list: listVpcs,
      }),
      waitState<ImVpc>(this.context, {
        name: 'wait-active',
        reader: this.context.polled.vpcs,
        done: (vpc) => !stateIs(vpc, 'commissioning', 'creating'),
        failed: failedCreate('VPC'),
        whenMissing: 'wait',
      }),
    ];
    if (!options.withoutSubnet) {
      const subnet = {
        name: options.subnet?.name ?? `${name}-subnet`,
        cidr: options.subnet?.cidr ?? ranges.firstSubnet,
        type: options.subnet?.type ?? 'public_and_private',
      };
      steps.push(this.subnetStep(subnet), this.waitSubnet(subnet.name));
    }
    return {
      resourceType: ResourceType.Network,
      steps,
      deadlineSeconds: DEADLINE_S,
      reconcile: async (step) => {
        const id = step.nativeId ?? (await adoptCreated(step, 'VPCs', listVpcs, name));
        return stateIs(id ? await this.read(id) : null, 'active', 'available');
      },
    };
  }

  delete(_request: OperationRequest<'network.delete'>): OperationPlan {
    const discard = this.context.discardOnDelete;
    return {
      resourceType: ResourceType.Network,
      steps: [
        {
          name: discard ? 'discard' : 'delete',
          run: async (step) => {
            const vpc = await this.read(step.nativeId!);
            if (!vpc || stateIs(vpc, 'decommissioning'))
              return { status: 'done', providerStatus: vpc?.state ?? 'deleted' };
            // A server that fails its checks counts as in the VPC when it names it at all.
            const servers = await this.client.list<unknown>(PATHS.servers, 'servers.list');
            const inVpc = (server: unknown) =>
              ImcoServer.is(server)
                ? server.vpc_id === vpc.id
                : (server as { vpc_id?: unknown } | null)?.vpc_id === vpc.id;
            if (servers.some(inVpc))
              throw new ConflictError('The network (VPC) still has servers; delete or move them first.');
            if (stateIs(vpc, 'commissioning')) return later(this.context, step, vpc.state);
            try {
              await this.client.send(
                'DELETE',
                `${PATHS.vpcs}/${seg(vpc.id)}${discard ? '/discard' : ''}`,
                `vpcs.${discard ? 'discard' : 'delete'}`,
              );
            } catch (error) {
              if (!(error instanceof NotFoundError)) throw error;
            }
            return { status: 'done', providerStatus: discard ? 'discarded' : 'decommissioning' };
          },
        },
        waitGone<ImVpc>(this.context, 'wait-deleted', this.context.polled.vpcs, PATHS.vpcs),
      ],
      deadlineSeconds: DEADLINE_S,
      reconcile: async (step) => !(await this.read(step.nativeId!)),
    };
  }

  relabel(request: OperationRequest<'network.relabel'>): OperationPlan {
    return relabelPlan(this.context, LABEL_TARGETS.network, request.input.labels, DEADLINE_S);
  }

  private read(id: string): Promise<ImVpc | null> {
    return this.client.get<ImVpc>(`${PATHS.vpcs}/${seg(id)}`, 'vpcs.get', ImcoVpc);
  }

  /** The provider's region name a VPC is made in (IMCO wants the name, not a realm id). */
  private async regionOf(realmId: string | undefined, providerId: string): Promise<string> {
    if (realmId) {
      const realm = await this.client.get<ImRealm>(`/cloud/realms/${seg(realmId)}`, 'realms.get');
      if (!realm?.provider_name)
        throw new ValidationError(`IMCO has no realm '${realmId}'.`, [
          { field: 'providerOptions.realmId', message: 'no such realm' },
        ]);
      return realm.provider_name;
    }
    const realm = await firstRealm(this.context, providerId, 'providerOptions.realmId');
    return realm.provider_name ?? realm.name ?? realm.id;
  }

  /** Makes the VPC's subnet, unless a run that died already made it (found by name). */
  private subnetStep(subnet: { name: string; cidr: string; type: string }): OperationStep {
    return {
      name: 'create-subnet',
      run: async (step) => {
        const existing = (await subnetsOf(this.context, step.nativeId!)).find((s) => s.name === subnet.name);
        const made =
          existing ??
          (await this.client.send<ImSubnet>(
            'POST',
            `${PATHS.vpcs}/${seg(step.nativeId!)}/subnets`,
            'subnets.create',
            subnet,
          ));
        step.state.subnetId = made?.id ?? null;
        return { status: 'done', providerStatus: made?.state ?? undefined };
      },
    };
  }

  private waitSubnet(name: string): OperationStep {
    return {
      name: 'wait-subnet',
      run: async (step) => {
        const subnet = (await subnetsOf(this.context, step.nativeId!)).find((s) => s.name === name);
        if (!subnet || stateIs(subnet, 'commissioning', 'creating'))
          return later(this.context, step, subnet?.state);
        if (stateIs(subnet, 'error', 'failed'))
          throw new ProviderError(`IMCO could not create the subnet ${name} (state ${subnet.state}).`, {
            retryable: false,
          });
        return { status: 'done', providerStatus: subnet.state ?? undefined };
      },
    };
  }
}
