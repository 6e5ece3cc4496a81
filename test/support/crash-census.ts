import { taskMarker, unmarkedName } from '../../src/providers/ports/markers';
import type { BackendKind, Backends } from './crash-backends';

export type ResourceKind = 'server' | 'volume' | 'network';

/**
 * What one create left at its backend: the resources that carry its name or its task's marker (`primary`), and
 * the companions the create makes on the way (`parts`: a CloudSigma server's cloned boot drive, an IMCO
 * network's subnet). Counted in the simulators' own state, not through the gateway under test.
 */
export interface Census {
  primary: number;
  parts: number;
  /** Native ids of the primary resources. */
  ids: string[];
}

export interface CensusQuery {
  kind: BackendKind;
  resource: ResourceKind;
  /** The name the client asked for (unique in a run). */
  name: string;
  taskId: string;
}

const firstLine = (text: string) => text.split('\n')[0].trim();

function tally(
  items: Array<{ id: string; name: string; marked: boolean }>,
  name: string,
): { count: number; ids: string[] } {
  const mine = items.filter((item) => item.marked || unmarkedName(item.name) === name);
  return { count: mine.length, ids: mine.map((item) => item.id) };
}

export function census(backends: Backends, query: CensusQuery): Census {
  const marker = taskMarker(query.taskId);
  const named = (id: string, name: string, marked = false) => ({ id, name, marked });
  const byName = (records: Iterable<{ id: string; name: string }>) =>
    [...records].map((r) => named(r.id, r.name, r.name.endsWith(`-${marker}`)));
  const result = (found: { count: number; ids: string[] }, parts = 0): Census => ({
    primary: found.count,
    parts,
    ids: found.ids,
  });
  switch (query.kind) {
    case 'cloudmc': {
      const state = backends.cloudmc.state;
      const records = { server: state.instances, volume: state.volumes, network: state.networks }[
        query.resource
      ];
      return result(tally(byName(records.values()), query.name));
    }
    case 'cloudsigma': {
      const state = backends.cloudsigma.state;
      const drives = [...state.drives.values()].map((d) =>
        named(d.uuid, d.fields.get('name') ?? '', d.fields.get('user:gwtask') === marker),
      );
      if (query.resource === 'network')
        return result(
          tally(byName([...state.vlans.values()].map((v) => ({ id: v.uuid, name: v.name }))), query.name),
        );
      if (query.resource === 'volume') return result(tally(drives, query.name));
      const servers = [...state.servers.values()].map((s) =>
        named(s.uuid, s.config.get('name') ?? '', s.config.get('user:gwtask') === marker),
      );
      return result(tally(servers, query.name), tally(drives, `${query.name}-boot`).count);
    }
    case 'dcimanager': {
      const servers = [...backends.dcimanager.state.servers.values()].map((s) =>
        named(String(s.id), firstLine(s.userNote), firstLine(s.userNote).endsWith(`-${marker}`)),
      );
      return result(tally(servers, query.name));
    }
    case 'imco': {
      const state = backends.imco.state;
      const label = [...state.labels.values()].find((l) => l.name === marker)?.id;
      const labelled = (records: Iterable<{ id: string; name: string; labelIds: string[] }>) =>
        [...records].map((r) => named(r.id, r.name, !!label && r.labelIds.includes(label)));
      if (query.resource === 'server') return result(tally(labelled(state.servers.values()), query.name));
      if (query.resource === 'volume') return result(tally(labelled(state.volumes.values()), query.name));
      const vpcs = tally(labelled(state.vpcs.values()), query.name);
      const subnets = [...state.subnets.values()].filter(
        (s) => vpcs.ids.includes(s.vpcId) && s.name === `${query.name}-subnet`,
      );
      return result(vpcs, subnets.length);
    }
  }
}
