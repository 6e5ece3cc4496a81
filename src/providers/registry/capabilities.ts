import { ResourceType } from '../../domain/states';
import type { OperationPlan } from './operation-plan';
import { OPERATION_NAMES, OperationName, OperationRequest } from './operations';
import type { ProviderAdapter } from './provider-adapter';

export type ReadCapability =
  `${ResourceType}.read` | 'catalog.images' | 'catalog.plans' | 'catalog.locations';
export type Capability = OperationName | ReadCapability;

/** Every capability a connection can have, in the order the capability document lists them. */
export const CAPABILITIES: Capability[] = [
  ...Object.values(ResourceType).map((type): Capability => `${type}.read`),
  ...OPERATION_NAMES,
  'catalog.images',
  'catalog.plans',
  'catalog.locations',
];

type PortKey = 'servers' | 'volumes' | 'networks' | 'ips';

export const PORT_OF_TYPE: Record<ResourceType, PortKey> = {
  [ResourceType.Server]: 'servers',
  [ResourceType.Volume]: 'volumes',
  [ResourceType.Network]: 'networks',
  [ResourceType.Ip]: 'ips',
};

/** Where each operation's planner lives on an adapter. */
const OPERATION_METHOD: Record<OperationName, [PortKey, string]> = {
  'server.create': ['servers', 'create'],
  'server.start': ['servers', 'start'],
  'server.stop': ['servers', 'stop'],
  'server.reboot': ['servers', 'reboot'],
  'server.rename': ['servers', 'rename'],
  'server.delete': ['servers', 'delete'],
  'volume.create': ['volumes', 'create'],
  'volume.delete': ['volumes', 'delete'],
  'volume.attach': ['volumes', 'attach'],
  'volume.detach': ['volumes', 'detach'],
  'network.create': ['networks', 'create'],
  'network.delete': ['networks', 'delete'],
  'ip.allocate': ['ips', 'allocate'],
  'ip.release': ['ips', 'release'],
  'ip.attach': ['ips', 'attach'],
  'ip.detach': ['ips', 'detach'],
};

type AnyPlanner = (request: OperationRequest) => OperationPlan;

/** The planner of an operation, or undefined when the adapter cannot do it. */
export function plannerOf(adapter: ProviderAdapter, operation: OperationName): AnyPlanner | undefined {
  const [port, method] = OPERATION_METHOD[operation];
  const target = adapter[port] as Record<string, unknown> | undefined;
  const planner = target?.[method];
  return typeof planner === 'function' ? (planner.bind(target) as AnyPlanner) : undefined;
}

/**
 * Capabilities are derived from what the adapter implements, so the capability document cannot claim an
 * operation the adapter lacks.
 */
export function capabilitiesOf(adapter: ProviderAdapter): Capability[] {
  const capabilities: Capability[] = [];
  for (const type of Object.values(ResourceType)) {
    if (adapter[PORT_OF_TYPE[type]]) capabilities.push(`${type}.read`);
  }
  for (const operation of OPERATION_NAMES) {
    if (plannerOf(adapter, operation)) capabilities.push(operation);
  }
  if (adapter.catalog?.images) capabilities.push('catalog.images');
  if (adapter.catalog?.plans) capabilities.push('catalog.plans');
  if (adapter.catalog?.locations) capabilities.push('catalog.locations');
  return capabilities;
}
