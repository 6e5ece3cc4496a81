import type { ArgumentMetadata } from '@nestjs/common';
import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { GatewayError } from '../errors/gateway-error';
import { GatewayValidationPipe, MAX_BODY_DEPTH } from './validation';

class Body {
  @IsString()
  name: string;

  @IsOptional()
  options?: Record<string, unknown>;
}

class Query {
  @IsOptional()
  @IsString()
  name?: string;
}

class Strict {
  @IsString()
  @MinLength(3)
  @MaxLength(5)
  @Matches(/^[a-z]+$/)
  code: string;

  @IsOptional()
  @IsString()
  note?: string;
}

const body: ArgumentMetadata = { type: 'body', metatype: Body };
const query: ArgumentMetadata = { type: 'query', metatype: Query };

async function refusal(value: unknown, metadata: ArgumentMetadata): Promise<GatewayError> {
  const error = await new GatewayValidationPipe().transform(value, metadata).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GatewayError);
  expect(error).toMatchObject({ code: 'validation_failed' });
  return error as GatewayError;
}

const nested = (depth: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
};

describe('GatewayValidationPipe', () => {
  it('should refuse a body nested deeper than the limit naming its field, even 10,000 levels deep', async () => {
    for (const depth of [MAX_BODY_DEPTH, 10_000]) {
      const error = await refusal({ name: 'n', options: nested(depth) }, body);
      expect(error.errors).toEqual([{ field: 'options', message: expect.stringMatching(/nest/) }]);
    }
    expect(
      await new GatewayValidationPipe().transform({ name: 'n', options: nested(30) }, body),
    ).toMatchObject({
      name: 'n',
    });
  });

  it.each(['constructor', 'toString', 'valueOf', 'prototype', '__proto__'])(
    'should refuse the key %p that class-transformer would drop silently',
    async (key) => {
      const raw: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      raw[key] = '1';
      expect((await refusal(raw, query)).errors).toEqual([{ field: key, message: `unknown field '${key}'` }]);
      const error = await refusal({ name: 'n', options: { [key]: 1 } }, body);
      expect(error.errors).toEqual([{ field: `options.${key}`, message: `unknown field '${key}'` }]);
    },
  );

  it('should refuse a JSON null body instead of reading it as an empty object', async () => {
    expect((await refusal(null, body)).errors).toEqual([{ field: 'body', message: 'must be an object' }]);
  });

  it('should count invalid fields, not the rules they break', async () => {
    const one = await refusal({ code: 42 }, { type: 'body', metatype: Strict });
    expect(one.errors!.length).toBeGreaterThan(1);
    expect(new Set(one.errors!.map((e) => e.field))).toEqual(new Set(['code']));
    expect(one.message).toMatch(/^code: /);
    expect(one.message).not.toMatch(/fields are not valid/);
    for (const { message } of one.errors!) expect(one.message).toContain(message);

    const two = await refusal({ code: 42, note: 7 }, { type: 'body', metatype: Strict });
    expect(two.message).toBe('2 fields are not valid: code, note.');
  });
});
