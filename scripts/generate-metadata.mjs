// Generates src/metadata.ts: the Swagger CLI plugin's view of the DTOs (types, JSDoc descriptions,
// class-validator constraints), so the OpenAPI document needs no decorator on each field. It runs the
// plugin's visitor over the TypeScript program, as `nest build` would, without compiling anything.
import { PluginMetadataGenerator } from '@nestjs/cli/lib/compiler/plugins/plugin-metadata-generator.js';
import { ReadonlyVisitor } from '@nestjs/swagger/plugin';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nestCli = JSON.parse(readFileSync(join(root, 'nest-cli.json'), 'utf8'));
const options = nestCli.compilerOptions.plugins.find((p) => p.name === '@nestjs/swagger').options;

// The generator type-checks the whole program, src/metadata.ts included: start from a neutral stub so a missing
// (fresh clone) or stale file (a DTO moved) cannot stop it from writing the real one.
writeFileSync(
  join(root, 'src', 'metadata.ts'),
  "/* eslint-disable */\nexport default async () => ({ '@nestjs/swagger': { models: [], controllers: [] } });\n",
);

new PluginMetadataGenerator().generate({
  visitors: [new ReadonlyVisitor({ ...options, pathToSource: join(root, 'src') })],
  outputDir: join(root, 'src'),
  filename: 'metadata.ts',
  tsconfigPath: 'tsconfig.build.json',
  printDiagnostics: false,
});
