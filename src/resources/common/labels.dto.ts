import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { MAX_LABEL_KEY_LENGTH, MAX_LABEL_VALUE_LENGTH, MAX_LABELS } from '../../domain/labels';
import { IsLabels } from './validators';

const RULES =
  `At most ${MAX_LABELS} labels; keys 1 to ${MAX_LABEL_KEY_LENGTH} lower-case letters, digits, '.', '_' or '-' ` +
  `(starting and ending with a letter or digit), values up to ${MAX_LABEL_VALUE_LENGTH} letters, digits or ` +
  `'._:/@+-'; keys starting with 'cloudmux.' are reserved.`;

/** `labels` of a create body: the whole set the new resource carries (docs/design.md#labels). */
export function CreateLabelsProperty(): PropertyDecorator {
  return applyDecorators(
    ApiProperty({
      required: false,
      type: Object,
      additionalProperties: { type: 'string', maxLength: MAX_LABEL_VALUE_LENGTH },
      maxProperties: MAX_LABELS,
      example: { env: 'prod', team: 'web' },
      description: `Labels to find the resource by (\`?label=\` on lists). ${RULES}`,
    }),
    IsOptional(),
    IsLabels(),
  );
}

/** `labels` of a PATCH body: a merge into the current set (docs/design.md#labels). */
export function PatchLabelsProperty(required: boolean): PropertyDecorator {
  return applyDecorators(
    ApiProperty({
      required,
      type: Object,
      additionalProperties: { type: 'string', nullable: true, maxLength: MAX_LABEL_VALUE_LENGTH },
      maxProperties: MAX_LABELS,
      example: { env: 'staging', obsolete: null },
      description:
        'A change merged into the labels the resource has: a value sets its key, `null` removes it, keys not ' +
        `named stay. ${RULES}`,
    }),
    ...(required ? [] : [IsOptional()]),
    IsLabels(true),
  );
}

/** Relabel a volume, network or IP address. */
export class UpdateLabelsRequest {
  @PatchLabelsProperty(true)
  labels: Record<string, string | null>;
}
