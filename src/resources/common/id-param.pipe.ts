import { Injectable, PipeTransform } from '@nestjs/common';
import { ValidationError } from '../../common/errors/gateway-error';
import { parseResourceId } from '../../common/ids/resource-id';

/** Rejects malformed `<connection>:<nativeId>` path ids with 400 before anything else runs. */
@Injectable()
export class ResourceIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!parseResourceId(value)) {
      throw new ValidationError(`'${value.slice(0, 100)}' is not a resource id.`, [
        { field: 'id', message: 'must be <connection>:<nativeId>, e.g. dc1:42' },
      ]);
    }
    return value;
  }
}
