import { DciSimError } from './dcimanager-sim.errors';
import { listEnvelope, parseLimit, parseWhere } from './dcimanager-sim.query';

const rows = [
  { id: 1, name: 'rk1-u01', owner_email: null, is_new: false, location_id: 3, configuration: 'A-16Gb' },
  {
    id: 2,
    name: 'rk1-u02',
    owner_email: 'Tenant@Example.org',
    is_new: false,
    location_id: 3,
    configuration: 'B-32Gb',
  },
  { id: 3, name: 'rk2-u01', owner_email: null, is_new: true, location_id: 4, configuration: 'A-16Gb' },
];
const ids = (where: string) => rows.filter(parseWhere(where)).map((r) => r.id);

describe('simulated DCImanager list queries', () => {
  it('should evaluate the filters the public clients send', () => {
    expect(ids('(owner_email IS null) AND is_new EQ false')).toEqual([1]);
    expect(ids("(owner_email EQ 'tenant@example.org') AND is_new EQ false AND location_id EQ 3")).toEqual([
      2,
    ]);
    expect(ids("NOT name CP '%rk1%' AND (location_id EQ 4)")).toEqual([3]);
    expect(ids("name CP 'rk_-u01' OR id GE 3")).toEqual([1, 3]);
    expect(ids('owner_email IS NOT null')).toEqual([2]);
    expect(ids("configuration NE 'A-16Gb'")).toEqual([2]);
  });

  it('should refuse unknown fields, unknown operators and broken expressions', () => {
    for (const bad of ["colour EQ 'red'", 'id IN 1', "name EQ 'open", '(id EQ 1', 'id EQ 1 extra']) {
      expect(() => ids(bad)).toThrow(DciSimError);
    }
  });

  it('should sort, page and count every match', () => {
    const page = listEnvelope(
      rows,
      { where: "configuration EQ 'A-16Gb'", orderby: 'id desc', limit: '1,5' },
      1000,
    );
    expect(page).toEqual({ list: [rows[0]], size: 2 });
    expect(parseLimit('25', 10)).toEqual({ offset: 0, count: 10 });
    expect(parseLimit(undefined, 7)).toEqual({ offset: 0, count: 7 });
    expect(() => parseLimit('-1,2', 10)).toThrow(DciSimError);
  });
});
