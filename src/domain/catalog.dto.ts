/** An image (template, OS) that servers can be created from. */
export class Image {
  /** Gateway id, `<connection>:<nativeId>`. */
  id: string;
  nativeId: string;
  name: string;
  /** Operating system family or description, when the backend says. */
  os: string | null;
  extra: Record<string, unknown>;
}

/** A server size (offering, plan, hardware configuration). */
export class Plan {
  /** Gateway id, `<connection>:<nativeId>`. */
  id: string;
  nativeId: string;
  name: string;
  cpuCores: number | null;
  cpuMhz: number | null;
  memoryMb: number | null;
  /** Local disk in GiB, when the plan includes one. */
  diskGb: number | null;
  /** True when the caller chooses `cpuCores` and `memoryMb` instead of a fixed size. */
  custom: boolean;
  /** Units left in stock, for backends with finite stock (bare metal). */
  available: number | null;
  extra: Record<string, unknown>;
}

/** A place where resources can be created (zone, region, data centre). */
export class Location {
  /** Gateway id, `<connection>:<nativeId>`. */
  id: string;
  nativeId: string;
  name: string;
  extra: Record<string, unknown>;
}
