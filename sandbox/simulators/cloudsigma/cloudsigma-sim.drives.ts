import { randomUUID } from 'node:crypto';
import { busy, CloudsigmaSimError, inUse, invalidAll } from './cloudsigma-sim.errors';
import { type DriveRecord, LIBRARY_USER } from './cloudsigma-sim.model';
import { renderDrive } from './cloudsigma-sim.render';
import type { SimReply } from './cloudsigma-sim.servers';
import type { CloudsigmaSimState } from './cloudsigma-sim.state';
import { parseSize, type SimFields } from './cloudsigma-sim.text';

// Drive create, set, clone (with background imaging) and destroy (docs/providers/cloudsigma.md#drives,
// docs/providers/cloudsigma.md#drive-states-and-imaging).

const MIN_SIZE = 1024 ** 2;
const MAX_SIZE = 1024 ** 4;
/** Library metadata a clone carries over (libcloud's recorded clone answer keeps os, licenses, notes...). */
const INHERITED = [
  'type',
  'os',
  'bits',
  'description',
  'install_notes',
  'url',
  'licenses',
  'drive_type',
  'use',
];

type Problems = Array<[string, string]>;

function checkSize(problems: Problems, value: string, atLeast = MIN_SIZE): number | undefined {
  const size = parseSize(value);
  if (size === undefined)
    problems.push(['size', 'Must be a size in bytes (a k, M, G or T suffix is allowed).']);
  else if (size < atLeast || size > MAX_SIZE)
    problems.push(['size', `Must be from ${atLeast} to ${MAX_SIZE} bytes.`]);
  else return size;
  return undefined;
}

/** Applies the keys every drive call shares; returns the stored fields. */
function applyDriveKeys(
  fields: SimFields,
  into: SimFields,
  problems: Problems,
  options: { minSize?: number; clone?: boolean },
): SimFields {
  for (const [key, value] of fields) {
    if (key === 'name') {
      if (value) into.set(key, value);
    } else if (key === 'size') {
      const size = checkSize(problems, value, options.minSize);
      if (size !== undefined) into.set(key, String(size));
    } else if (key === 'claim:type') {
      if (value !== 'exclusive' && value !== 'shared') problems.push([key, 'Must be exclusive or shared.']);
      else into.set(key, value);
    } else if (key === 'encryption:cipher' && !options.clone) {
      if (value !== 'none' && value !== 'aes-xts-plain')
        problems.push([key, 'Must be none or aes-xts-plain.']);
      else into.set(key, value);
    } else if (key === 'driveType' && options.clone) {
      // libcloud sends `driveType hdd|ssd` on clone; SSD is the `affinity:ssd` tag.
      if (value !== 'hdd' && value !== 'ssd') problems.push([key, 'Must be hdd or ssd.']);
      else if (value === 'ssd') into.set('tags', 'affinity:ssd');
    } else if (['readers', 'tags', 'use', 'avoid'].includes(key) || /^user:[^\s]+$/.test(key)) {
      if (value) into.set(key, value);
      else into.delete(key);
    } else problems.push([key, 'Unknown key.']);
  }
  if (!into.get('name')) problems.push(['name', 'This field is required.']);
  return into;
}

function ownDrive(state: CloudsigmaSimState, uuid: string): DriveRecord {
  const drive = state.readableDrive(uuid);
  if (drive.user === LIBRARY_USER)
    throw new CloudsigmaSimError(
      400,
      'system',
      `Drive ${uuid} belongs to the library and cannot be changed.`,
    );
  return drive;
}

export function createDrive(state: CloudsigmaSimState, fields: SimFields): SimReply {
  const problems: Problems = [];
  const stored = applyDriveKeys(fields, new Map([['claim:type', 'exclusive']]), problems, {});
  if (!fields.has('size')) problems.push(['size', 'This field is required.']);
  if (!stored.has('encryption:cipher')) stored.set('encryption:cipher', 'aes-xts-plain');
  if (problems.length) throw invalidAll(problems, fields);
  const drive: DriveRecord = { uuid: randomUUID(), user: state.account, fields: stored };
  state.drives.set(drive.uuid, drive);
  return { status: 200, object: renderDrive(state, drive) };
}

export function setDrive(state: CloudsigmaSimState, uuid: string, fields: SimFields): SimReply {
  const drive = ownDrive(state, uuid);
  if (state.imagingOf(drive) !== undefined)
    throw busy('system', `Drive ${uuid} is busy: it is being imaged.`);
  const problems: Problems = [];
  // Drives grow, never shrink: our choice (docs/providers/cloudsigma.md#simulator-choices).
  const stored = applyDriveKeys(fields, new Map(drive.fields), problems, {
    minSize: Number(drive.fields.get('size')),
  });
  if (problems.length) throw invalidAll(problems, fields);
  // A new size while a running server uses the drive: refused unless configured otherwise, our reading of an
  // unknown (docs/providers/cloudsigma.md#resize).
  const running = state.usersOf(uuid).find((use) => state.statusOf(use.server) === 'active');
  if (stored.get('size') !== drive.fields.get('size') && running && !state.config.resizeWhileRunning)
    throw busy(
      'size',
      `Drive ${uuid} is in use by running server ${running.server.uuid}: stop it to resize.`,
    );
  drive.fields = stored;
  return { status: 200, object: renderDrive(state, drive) };
}

/** The copy is answered at once; imaging runs in the background: `queued`, then a percentage, then gone. */
export function cloneDrive(state: CloudsigmaSimState, uuid: string, fields: SimFields): SimReply {
  const source = state.readableDrive(uuid);
  if (state.imagingOf(source) !== undefined)
    throw busy('system', `Drive ${uuid} is busy: it is still being imaged.`);
  const problems: Problems = [];
  const sourceSize = Number(source.fields.get('size'));
  const inherited = new Map<string, string>();
  for (const key of INHERITED) {
    const value = source.fields.get(key);
    if (value !== undefined) inherited.set(key, value);
  }
  inherited.set('size', String(sourceSize));
  inherited.set('claim:type', 'exclusive');
  inherited.set('encryption:cipher', source.fields.get('encryption:cipher') ?? 'aes-xts-plain');
  const stored = applyDriveKeys(fields, inherited, problems, { minSize: sourceSize, clone: true });
  if (problems.length) throw invalidAll(problems, fields);
  const queuedAt = Date.now();
  const startsAt = queuedAt + state.clock.scaled(state.config.imagingQueueMs);
  const endsAt = startsAt + state.clock.scaled(state.config.imagingMs);
  const drive: DriveRecord = { uuid: randomUUID(), user: state.account, fields: stored };
  if (endsAt > queuedAt) {
    drive.imaging = { queuedAt, startsAt, endsAt };
    state.clock.after(state.config.imagingQueueMs + state.config.imagingMs, () => {
      drive.imaging = undefined;
    });
  }
  state.drives.set(drive.uuid, drive);
  return { status: 200, object: renderDrive(state, drive) };
}

/**
 * Refused while any server has the drive as a device (docs/providers/cloudsigma.md#drives); a copy in progress
 * is abandoned, our choice (docs/providers/cloudsigma.md#simulator-choices).
 */
export function destroyDrive(state: CloudsigmaSimState, uuid: string): SimReply {
  const drive = ownDrive(state, uuid);
  const user = state.usersOf(uuid)[0];
  if (user) throw inUse('drives', uuid, `server ${user.server.uuid}`);
  state.drives.delete(drive.uuid);
  return { status: 204 };
}
