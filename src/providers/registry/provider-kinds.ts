import type { ConnectionKindSchema } from '../../config/config.validator';
import { cloudmcKind } from '../cloudmc/cloudmc.kind';
import { cloudsigmaKind } from '../cloudsigma/cloudsigma.kind';
import { dcimanagerKind } from '../dcimanager/dcimanager.kind';
import { imcoKind } from '../imco/imco.kind';
import type { ProviderKindDefinition } from '../ports/provider-adapter';

/** Every provider kind the gateway can talk to. Adding a backend means adding its definition here. */
export const PROVIDER_KINDS: readonly ProviderKindDefinition[] = [
  cloudmcKind,
  cloudsigmaKind,
  dcimanagerKind,
  imcoKind,
];

export function connectionKindSchemas(): ConnectionKindSchema[] {
  return PROVIDER_KINDS.map((definition) => ({ kind: definition.kind, fields: definition.configFields }));
}
