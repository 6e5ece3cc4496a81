import type { AdapterFeatures } from '../ports/provider-adapter';

// What DCImanager takes beyond the operations themselves (issue 14), each with the section of
// docs/providers/dcimanager.md that gives the evidence.

/** docs/providers/dcimanager.md#labels */
export const NO_LABELS =
  'DCImanager has no tags or labels on servers, addresses or networks (only free-text notes, and the server’s note holds its name): the gateway keeps the labels';

/** docs/providers/dcimanager.md#user-data */
export const NO_USER_DATA =
  'DCImanager’s OS install (operation_os) takes a template, a password, SSH keys and a RAID level: no user-data, cloud-init or script';

/** docs/providers/dcimanager.md#ssh-keys */
export const NO_SSH_KEY_OBJECTS =
  'DCImanager keeps no SSH key objects: public keys are given as text to each OS install (sshPublicKeys)';

/** docs/providers/dcimanager.md#resize */
export const NO_SERVER_RESIZE =
  'A physical server’s CPU, memory and disks are its hardware configuration (planId), which DCImanager cannot change; create a server of another configuration instead';

export const DCIMANAGER_FEATURES: AdapterFeatures = {
  // Server create and rebuild send them in `ssh_pub_keys` of operation_os.
  sshPublicKeys: true,
  nativeLabels: [],
  reasons: { labels: NO_LABELS, userData: NO_USER_DATA, sshKeyIds: NO_SSH_KEY_OBJECTS },
};

/**
 * An OS install lets its owner in with SSH keys or a root password, nothing else (docs/providers/dcimanager.md#rebuild):
 * the capability document says so, and a request with neither answers 400 before any call.
 */
const KEYS_OR_PASSWORD = {
  anyOf: [
    { required: ['sshPublicKeys'], properties: { sshPublicKeys: { minItems: 1 } } },
    { required: ['providerOptions'], properties: { providerOptions: { required: ['password'] } } },
  ],
};

export const DCIMANAGER_REQUEST_RULES = {
  'server.create': KEYS_OR_PASSWORD,
  'server.rebuild': KEYS_OR_PASSWORD,
};
