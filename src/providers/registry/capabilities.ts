import { ResourceType } from '../../domain/states';
import { OPERATION_NAMES, OperationName } from '../ports/operations';
import type { ProviderAdapter } from '../ports/provider-adapter';

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

type PortKey = 'servers' | 'volumes' | 'networks' | 'ips' | 'sshKeys';

export const PORT_OF_TYPE: Record<ResourceType, PortKey> = {
  [ResourceType.Server]: 'servers',
  [ResourceType.Volume]: 'volumes',
  [ResourceType.Network]: 'networks',
  [ResourceType.Ip]: 'ips',
  [ResourceType.SshKey]: 'sshKeys',
};

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
    if (adapter.plans[operation]) capabilities.push(operation);
  }
  if (adapter.catalog?.images) capabilities.push('catalog.images');
  if (adapter.catalog?.plans) capabilities.push('catalog.plans');
  if (adapter.catalog?.locations) capabilities.push('catalog.locations');
  return capabilities;
}
