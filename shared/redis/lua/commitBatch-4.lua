--[[
  Applies one batch of one partition atomically (records of one or more of its topics): the fence, the state, the due
  index, the outbox, the offsets.

  KEYS[1] offsets  hash  field "v" = version of this partition's state (bumped by every commit);
                         field "incomplete" = what the state lacks, once rebuilt from a log missing records it never
                         applied (set here, never cleared here: an operator deletes it);
                         field <topic> = next offset to apply from that topic-partition
  KEYS[2] state    hash  field <entityId> = the entity's serialized state
  KEYS[3] outbox   stream  one entry per derived record: t (topic), p (partition or ""), k (key), v (value), h (headers JSON)
  KEYS[4] index    zset  member <entityId>, score = when the entity next needs attention (e.g. its next due day)

  ARGV[1] expected version (what the caller read when it loaded the state; "0" when there was none)
  ARGV[2] nOffsets, then nOffsets pairs: topic, next offset to apply from it (last applied offset + 1)
  then    nState,  then nState pairs:  entityId, serialized state ("" deletes)
  then    nIndex,  then nIndex pairs:  entityId, score ("" removes)
  then    nOutbox, then nOutbox groups of 5: topic, partition, key, value, headers
  then    incomplete: "" (leave the mark as it is) or the text that marks the state incomplete

  Returns {version, backlog, id1, ..., idN}: the new version, how many entries the outbox held before this commit
  (records committed earlier and not yet trimmed: a failed or interrupted publish, possibly another instance's), and
  the stream ids of this commit's outbox entries in order, so the caller can publish them from memory and trim
  exactly those when the backlog is 0.
  Returns -1 when the version moved since the caller loaded (another instance, or another batch of the same
  partition, committed in between): nothing is written and the caller reloads and recomputes.
]]
local current = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if current ~= tonumber(ARGV[1]) then
  return -1
end

local i = 2
local nOffsets = tonumber(ARGV[i]); i = i + 1
local offsets = {}
for _ = 1, nOffsets do
  offsets[#offsets + 1] = ARGV[i]
  offsets[#offsets + 1] = ARGV[i + 1]
  i = i + 2
end

local nState = tonumber(ARGV[i]); i = i + 1
for _ = 1, nState do
  if ARGV[i + 1] == '' then
    redis.call('HDEL', KEYS[2], ARGV[i])
  else
    redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
  end
  i = i + 2
end

local nIndex = tonumber(ARGV[i]); i = i + 1
for _ = 1, nIndex do
  if ARGV[i + 1] == '' then
    redis.call('ZREM', KEYS[4], ARGV[i])
  else
    redis.call('ZADD', KEYS[4], ARGV[i + 1], ARGV[i])
  end
  i = i + 2
end

-- Built up by appending, never unpack(): a large batch has more entries than Lua's stack takes.
local result = {0, redis.call('XLEN', KEYS[3])}
local nOutbox = tonumber(ARGV[i]); i = i + 1
for _ = 1, nOutbox do
  result[#result + 1] =
    redis.call('XADD', KEYS[3], '*', 't', ARGV[i], 'p', ARGV[i + 1], 'k', ARGV[i + 2], 'v', ARGV[i + 3], 'h', ARGV[i + 4])
  i = i + 5
end

if ARGV[i] ~= nil and ARGV[i] ~= '' then
  redis.call('HSET', KEYS[1], 'incomplete', ARGV[i])
end

for j = 1, #offsets, 2 do
  redis.call('HSET', KEYS[1], offsets[j], offsets[j + 1])
end
result[1] = redis.call('HINCRBY', KEYS[1], 'v', 1)
return result
