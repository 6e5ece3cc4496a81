import { ValidationError } from '../../../common/errors/gateway-error';
import { and, eq, like, listQuery, literal } from './codec.where';

describe('DCImanager where expressions', () => {
  it('should write the filters the public clients use', () => {
    // The stock query of docs/providers/dcimanager.md#filters.
    expect(and(eq('owner_email', null), eq('is_new', false))).toBe(
      '(owner_email IS null) AND (is_new EQ false)',
    );
    expect(and(eq('owner_email', 'owner@example.org'), eq('is_new', false), eq('location_id', 7))).toBe(
      "(owner_email EQ 'owner@example.org') AND (is_new EQ false) AND (location_id EQ 7)",
    );
    expect(like('name', '%rack-2%')).toBe("name CP '%rack-2%'");
    expect(and(eq('id', 12), undefined)).toBe('id EQ 12');
  });

  it('should refuse values whose quoting DCImanager does not document', () => {
    expect(() => literal("o'brien@example.org")).toThrow(ValidationError);
    expect(() => literal('back\\slash')).toThrow(ValidationError);
    expect(() => literal(Number.NaN)).toThrow(ValidationError);
    expect(() => eq('bad field', 1)).toThrow(/field name/);
  });

  it('should encode spaces as %20, keep quotes and parentheses, and page with offset,count', () => {
    const query = listQuery({
      where: "(owner_email EQ 'a+b@example.org') AND (is_new EQ false)",
      orderby: 'id asc',
      offset: 200,
      count: 200,
    });
    expect(query).toBe(
      "where=(owner_email%20EQ%20'a%2Bb%40example.org')%20AND%20(is_new%20EQ%20false)&orderby=id%20asc&limit=200,200",
    );
    expect(listQuery({})).toBe('');
    expect(listQuery({ count: 5 })).toBe('limit=0,5');
  });
});
