/**
 * A preset dictionary for deflating ended tasks (a few hundred bytes of JSON each): the field names and values
 * every task repeats, so a small record compresses about a third better than alone (1,784 → 634 → 432 bytes on
 * a server create). Inflating with it also reads records deflated without it.
 *
 * NEVER edit this text: records in Redis were deflated with it. To change it, add a second dictionary under a
 * new hash field (`packed2`) and keep reading this one.
 */
export const TASK_DICTIONARY = Buffer.from(
  [
    '"ipAddresses":[{"address":"","version":4,"public":true}],"volumeIds":[],"networkIds":[],"serverId":null,',
    '"networkId":null,"sizeGb":,"bootable":false,"cidr":"","gateway":"","vlan":null,"cpuMhz":null,',
    '"error":{"type":"https://","title":"","status":,"code":"provider_error","detail":"","retryable":false,',
    '"upstream":{"status":,"code":null,"message":""}},"providerStatus":"","providerRef":{"kind":"","id":""},',
    '"result":{"id":"","provider":"","providerKind":"","nativeId":"","name":"","state":"running",',
    '"providerState":"","stateObservedAt":"2026-","cpuCores":,"memoryMb":,"imageId":"","planId":"",',
    '"locationId":"","createdAt":"","extra":{},"activeTaskId":null},',
    '{"name":"wait","status":"succeeded","startedAt":"2026-","completedAt":"2026-"},',
    '"completedAt":"2026-","deadlineAt":"2026-","updatedAt":"2026-',
    '{"id":"01","provider":"","providerKind":"cloudmc","operation":"server.create","status":"succeeded",',
    '"resource":{"type":"server","id":""},"progress":100,"steps":[{"name":"',
  ].join(''),
  'utf8',
);
