/** Raw CloudMC v2 payloads (CloudStack plugin), as providers/cloudmc.md describes them. Private to this adapter. */

// The payloads the adapter reads are typed by their wire schemas (cloudmc.wire.ts), so that nothing is read that
// was not checked first.
export type {
  CmComputeOffering,
  CmDiskOffering,
  CmInstance,
  CmInstancePublicIp,
  CmNetwork,
  CmNetworkAcl,
  CmNetworkOffering,
  CmPublicIp,
  CmTemplate,
  CmVolume,
  CmVpc,
  CmZone,
} from './cloudmc.wire';

/** What a mutation answered: a task to poll, or the result at once. */
export interface CmAck {
  taskId: string | null;
  taskStatus: string | null;
  data: unknown;
}

/** A task read back, from either documented shape. */
export interface CmTaskView {
  status: string;
  result: unknown;
  /** A failure message, when the task says why it failed. */
  failure: string | null;
}
