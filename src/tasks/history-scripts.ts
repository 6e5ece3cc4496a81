import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Lua of the history writes (docs/design.md#history), one round trip each. Times are the Redis clock (`TIME`), so
 * every process compares times of one clock. A last-state field (`keys.lastStates`) is `state|base36 ms|taskId`:
 * the state the gateway knows (empty: not known), when it was written, and the last task of ours that wrote it.
 * Field `''` of the hash is its version, bumped by every write; absent until a complete list seeded the hash.
 */

const COMMON = `
local function b36(n)
  local digits = '0123456789abcdefghijklmnopqrstuvwxyz'
  local out = ''
  repeat
    local r = n % 36
    out = string.sub(digits, r + 1, r + 1) .. out
    n = math.floor(n / 36)
  until n == 0
  return out
end
local function parse(v)
  if not v then return nil, 0, '' end
  local s, t, k = string.match(v, '^([^|]*)|([0-9a-z]*)|?(.*)$')
  if not s then return '', 0, '' end
  return s, tonumber(t, 36) or 0, k
end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local function push(key, line, max, ttl)
  redis.call('LPUSH', key, line)
  redis.call('LTRIM', key, 0, max - 1)
  redis.call('EXPIRE', key, ttl)
end
`;

/** At the start of a backend read: the hash's version ('' when not seeded) and the Redis time. KEYS: lastStates. */
export const READ_STARTED = `
local clock = redis.call('TIME')
return {redis.call('HGET', KEYS[1], '') or '', tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)}`;

/**
 * A task ended on a resource. KEYS: lastStates, history. ARGV: nativeId, fromState known when accepted ('' none),
 * mode (`s` success: the state becomes ARGV[4]; `d` success of a delete: the field goes; `k` failed or canceled:
 * the state stays), toState, the line's two halves, maxEntries, ttl seconds, taskId. Returns 1 when written, 0 when
 * this task's entry is there already (a job run again after a crash).
 */
export const TASK_ENDED = `${COMMON}
local id, taskId = ARGV[1], ARGV[9]
local current = redis.call('HGET', KEYS[1], id)
local state, _, lastTask = parse(current)
if lastTask == taskId then return 0 end
local head = redis.call('LINDEX', KEYS[2], 0)
if head and string.find(head, '|' .. taskId .. '|', 1, true) then return 0 end
local from = state
if from == nil or from == '' then from = ARGV[2] end
push(KEYS[2], b36(now) .. '|' .. ARGV[5] .. from .. ARGV[6], tonumber(ARGV[7]), tonumber(ARGV[8]))
local mode = ARGV[3]
if mode == 's' then
  redis.call('HSET', KEYS[1], id, ARGV[4] .. '|' .. b36(now) .. '|' .. taskId)
elseif mode == 'd' then
  redis.call('HDEL', KEYS[1], id)
else
  redis.call('HSET', KEYS[1], id, (state or '') .. '|' .. b36(now) .. '|' .. taskId)
end
if redis.call('HEXISTS', KEYS[1], '') == 1 then redis.call('HINCRBY', KEYS[1], '', 1) end
return 1`;

/**
 * States seen in a backend read, told against the last states. Every key it touches is declared (legal on a
 * cluster: all in the connection's slot). KEYS: lastStates, changes stream, then three per pair below: the
 * resource's history, its lock, its tasks-by-resource set. ARGV: read start (Redis ms), full ('1': the items are
 * the whole answer, '0': only those that differ from this process's copy), complete ('1': a whole list, so a known
 * resource missing from it is gone), maxEntries, ttl seconds, retained events, connection, type, task window ms,
 * the version read at the start, then pairs of native id and state ('' = gone).
 * Returns {version, 1 if no one else wrote since the start else 0, entries written, then the ids of a full and
 * complete read that the hash knows with a state and the read lacks}: their keys were not declared, so the caller
 * tells them as gone (pairs with '') in a second call.
 */
export const OBSERVED = `${COMMON}
local t0, full, complete = tonumber(ARGV[1]), ARGV[2] == '1', ARGV[3] == '1'
local max, ttl, retain = tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
local provider, rtype, window, expected = ARGV[7], ARGV[8], tonumber(ARGV[9]), ARGV[10]
local FIRST = 11
local version = redis.call('HGET', KEYS[1], '')
if not version then
  if not (full and complete) then return {0, 0, 0} end
  -- First sight of this connection and type: seed silently, keeping what tasks wrote for resources still there.
  local kept = {}
  for i = FIRST, #ARGV, 2 do
    local _, _, k = parse(redis.call('HGET', KEYS[1], ARGV[i]))
    kept[i] = k
  end
  redis.call('DEL', KEYS[1])
  for i = FIRST, #ARGV, 2 do
    if ARGV[i + 1] ~= '' then redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1] .. '|' .. b36(now) .. '|' .. (kept[i] or '')) end
  end
  redis.call('HSET', KEYS[1], '', 1)
  return {1, 1, 0}
end
local consistent = 0
if version == expected then consistent = 1 end
local written = 0
-- k: the index in KEYS of the pair's history key (its lock and tasks set follow).
local function observe(id, seen, k)
  local current = redis.call('HGET', KEYS[1], id)
  local state, at, lastTask = parse(current)
  if seen == '' then
    if not current then return end
    if state == '' then
      if at <= t0 then redis.call('HDEL', KEYS[1], id) end
      return
    end
  elseif state == seen then
    return
  end
  -- Written after this read started: the read may predate that change (a task of ours ending).
  if at > t0 then return end
  if redis.call('EXISTS', KEYS[k + 1]) == 1 then return end
  -- A task of ours that ended but has not written its own entry yet (the lock goes first).
  local newest = redis.call('ZREVRANGE', KEYS[k + 2], 0, 0, 'WITHSCORES')
  if newest[1] and newest[1] ~= lastTask and tonumber(newest[2]) > now - window then return end
  local to = seen
  if seen == '' then
    to = 'deleted'
    redis.call('HDEL', KEYS[1], id)
  else
    redis.call('HSET', KEYS[1], id, seen .. '|' .. b36(now) .. '|' .. lastTask)
  end
  local from = state or ''
  push(KEYS[k], b36(now) .. '|o|||' .. from .. '|' .. to .. '||', max, ttl)
  local fromJson = cjson.null
  if from ~= '' then fromJson = from end
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', retain, '*', 'j',
    cjson.encode({provider = provider, resource = {type = rtype, id = provider .. ':' .. id}, fromState = fromJson, toState = to}))
  written = written + 1
end
local sent = {}
for i = FIRST, #ARGV, 2 do
  sent[ARGV[i]] = true
  observe(ARGV[i], ARGV[i + 1], 3 + 3 * ((i - FIRST) / 2))
end
local missing = {}
if full and complete then
  local all = redis.call('HKEYS', KEYS[1])
  for _, id in ipairs(all) do
    if id ~= '' and not sent[id] then
      local state, at = parse(redis.call('HGET', KEYS[1], id))
      -- A field without a state needs no other key; one written after the read started is not judged by it.
      if state == '' then
        if at <= t0 then redis.call('HDEL', KEYS[1], id) end
      elseif at <= t0 then
        table.insert(missing, id)
      end
    end
  end
end
if written > 0 then version = redis.call('HINCRBY', KEYS[1], '', 1) end
local answer = {tonumber(version), consistent, written}
for _, id in ipairs(missing) do table.insert(answer, id) end
return answer`;

export interface Script {
  text: string;
  sha: string;
}

export const script = (text: string): Script => ({
  text,
  sha: createHash('sha1').update(text).digest('hex'),
});

/** Runs a script by its digest, sending its text only when Redis does not hold it yet. */
export async function runScript(
  redis: Redis,
  lua: Script,
  keyCount: number,
  ...args: Array<string | number>
): Promise<unknown> {
  try {
    return await redis.evalsha(lua.sha, keyCount, ...args);
  } catch (error) {
    if (!String((error as Error)?.message).startsWith('NOSCRIPT')) throw error;
    return redis.eval(lua.text, keyCount, ...args);
  }
}
