export type Scope = 'read' | 'write';

/** Who is calling: the API key's name, scopes and the connections it may see. */
export class Caller {
  constructor(
    readonly keyName: string,
    readonly scopes: ReadonlySet<Scope>,
    /** null: every connection. */
    private readonly connections: ReadonlySet<string> | null,
    /** True for the short-lived read-only tokens issued for EventSource clients. */
    readonly eventTokenOnly = false,
    /** When an event token stops working (ms since the epoch); null for an API key. */
    readonly expiresAt: number | null = null,
  ) {}

  canSee(connection: string): boolean {
    return this.connections === null || this.connections.has(connection);
  }

  /** The connections, out of `all`, this caller may see. */
  visible(all: readonly string[]): string[] {
    return all.filter((name) => this.canSee(name));
  }

  /** The caller of an event token this key issued: read-only, the key's connections, until `expiresAt`. */
  eventToken(expiresAt: number): Caller {
    return new Caller(this.keyName, new Set<Scope>(['read']), this.connections, true, expiresAt);
  }

  /** Serializable form. */
  toJSON(): { keyName: string; scopes: Scope[]; connections: string[] | null } {
    return {
      keyName: this.keyName,
      scopes: [...this.scopes],
      connections: this.connections ? [...this.connections] : null,
    };
  }
}
