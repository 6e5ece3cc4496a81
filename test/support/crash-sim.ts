/** The simulators' control API (`/__sim/`), for targeted crash scenarios: what requests a backend received. */

/** How many requests of one route (`METHOD /route/:pattern`) the simulator received, counted on arrival. */
export async function simRequests(url: string, route: string): Promise<number> {
  const stats = (await (await fetch(`${url}/__sim/stats`)).json()) as { requests: Record<string, number> };
  return stats.requests[route] ?? 0;
}
