/** Where each collection of the API is. */
export class ApiRootLinks {
  /** Servers across every connection the key may see. */
  servers: string;
  /** Volumes (disks, drives). */
  volumes: string;
  /** Networks (VPCs, VLANs, ipnets). */
  networks: string;
  /** Public IP addresses. */
  ips: string;
  /** SSH public keys kept by the connections, to install on servers. */
  sshKeys: string;
  /** Gateway tasks: every mutation becomes one. */
  tasks: string;
  /** Task events as Server-Sent Events. */
  events: string;
  /** Signed outbound webhooks of this API key. */
  webhooks: string;
  /** Provider connections, their reachability, capabilities and catalogs. */
  providers: string;
}

/** The API root: an index of the collections and where the documentation is. */
export class ApiRoot {
  /** Path of each collection, relative to the gateway's origin. */
  links: ApiRootLinks;
  /** Swagger UI. */
  docs: string;
  /** The OpenAPI document this API is described by. */
  openapi: string;
}
