import { ServerState, VolumeState } from '../../../domain/states';
import { parseObject } from '../client/codec';
import { driveState, imagingProgress, isImaging, serverState } from './states';

describe('cloudsigma state tables', () => {
  it.each([
    ['active', ServerState.Running],
    ['stopped', ServerState.Stopped],
    ['paused', ServerState.Suspended],
    ['dumped', ServerState.Error],
    ['dead', ServerState.Error],
    ['imaging', ServerState.Provisioning],
    ['imaging 40%', ServerState.Provisioning],
    ['ACTIVE', ServerState.Running],
  ])('should map server status %s to %s', (raw, state) => {
    expect(serverState(raw)).toBe(state);
  });

  it('should never map stopped to deleted, and report unknown statuses as unknown', () => {
    const unknown: string[] = [];
    expect(serverState('stopped')).not.toBe(ServerState.Deleted);
    expect(serverState('hibernating', (raw) => unknown.push(raw))).toBe(ServerState.Unknown);
    expect(serverState(undefined)).toBe(ServerState.Unknown);
    expect(unknown).toEqual(['hibernating']);
  });

  it('should see a copy in progress by any of the three signals clients use', () => {
    expect(isImaging(parseObject('status active\nimaging queued\n'))).toBe(true);
    expect(isImaging(parseObject('status copying 10%\n'))).toBe(true);
    expect(isImaging(parseObject('status active\nclaimed h-1:imaging\n'))).toBe(true);
    expect(isImaging(parseObject('status active\nclaimed h-1:guest:s-1:ide:0:0\n'))).toBe(false);
  });

  it('should read imaging progress with or without a percent sign', () => {
    expect(imagingProgress(parseObject('imaging 45%\n'))).toBe(45);
    expect(imagingProgress(parseObject('imaging 7\n'))).toBe(7);
    expect(imagingProgress(parseObject('imaging queued\n'))).toBe(0);
    expect(imagingProgress(parseObject('status active\n'))).toBeUndefined();
  });

  it.each([
    ['status active\nimaging 12%\n', false, VolumeState.Creating],
    ['status active\n', false, VolumeState.Available],
    ['status active\n', true, VolumeState.InUse],
    ['status inactive\n', false, VolumeState.Error],
  ])('should map drive %j (attached: %s) to %s', (body, attached, state) => {
    expect(driveState(parseObject(body), attached)).toBe(state);
  });

  it('should report an unknown drive status', () => {
    const unknown: string[] = [];
    expect(driveState(parseObject('status mirrored\n'), false, (raw) => unknown.push(raw))).toBe(
      VolumeState.Unknown,
    );
    expect(unknown).toEqual(['mirrored']);
  });
});
