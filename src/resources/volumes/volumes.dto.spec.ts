import { GatewayError } from '../../common/errors/gateway-error';
import { GatewayValidationPipe } from '../../common/http/validation';
import { CreateVolumeRequest } from './volumes.dto';

const validate = (sizeGb: number) =>
  new GatewayValidationPipe().transform(
    { provider: 'cm', name: 'data', sizeGb },
    { type: 'body', metatype: CreateVolumeRequest },
  );

describe('CreateVolumeRequest', () => {
  it('should take sizes with up to three decimals', async () => {
    for (const sizeGb of [0.001, 0.125, 20, 1_048_576])
      await expect(validate(sizeGb)).resolves.toMatchObject({ sizeGb });
  });

  // class-validator's maxDecimalPlaces threw a TypeError on exponent forms: a 500 for `"sizeGb": 1e-7`.
  it.each([1e-7, 7e-323, -1e-7, 1.2345, 0.0005, 1e21])(
    'should refuse %p as a validation error',
    async (sizeGb) => {
      const error: unknown = await validate(sizeGb).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GatewayError);
      expect(error).toMatchObject({ code: 'validation_failed' });
      expect((error as GatewayError).errors?.map((e) => e.field)).toContain('sizeGb');
    },
  );
});
