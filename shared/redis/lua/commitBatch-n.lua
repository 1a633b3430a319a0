--[[
  Applies one batch of one partition atomically (records of one or more of its topics): the fence, the states, the
  due index, the outbox, the offsets. Called with a variable number of keys, all of one partition (one hash tag).

  KEYS[1] offsets  hash  field "v" = version of this partition's state (bumped by every commit);
                         field "f" = the state layout ("2": a hash per entity); a partition without it was written by
                         the earlier layout (one hash of whole states): its offsets and that hash are dropped here, so
                         the state is rebuilt from the log;
                         field "incomplete" = what the state lacks, once rebuilt from a log missing records it never
                         applied (set here, never cleared here: an operator deletes it);
                         field <topic> = next offset to apply from that topic-partition
  KEYS[2] outbox   stream  one entry per commit with derived records: field "n" = how many, field "b" = the records,
                           packed (partition-store.ts)
  KEYS[3] index    zset  member <entityId>, score = when the entity next needs attention (e.g. its next due day)
  KEYS[4] legacy   hash  the earlier layout's whole states (only ever deleted here)
  KEYS[5..] one hash per changed entity, a field per part of its state

  ARGV[1] expected version (what the caller read when it loaded the state; "0" when there was none)
  ARGV[2] nOffsets, then nOffsets pairs: topic, next offset to apply from it (last applied offset + 1)
  then    per entity key (KEYS[5..], in order): mode, nFields, then nFields pairs: field, text
            mode "d" deletes the entity, "r" replaces every field, "p" patches the fields named ("" deletes a field)
  then    nIndex,  then nIndex pairs:  entityId, score ("" removes)
  then    outbox: the number of records, then "" (none) or the records packed
  then    incomplete: "" (leave the mark as it is) or the text that marks the state incomplete

  Returns {version, backlog, entryId}: the new version, how many outbox entries there were before this commit
  (commits not yet published and trimmed: a failed or interrupted publish, possibly another instance's), and the
  stream id of this commit's entry ("" without records), so the caller can publish from memory and trim exactly it
  when the backlog is 0.
  Returns -1 when the version moved since the caller loaded (another instance, or another batch of the same
  partition, committed in between): nothing is written and the caller reloads and recomputes.
]]
local current = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if current ~= tonumber(ARGV[1]) then
  return -1
end

if redis.call('HGET', KEYS[1], 'f') ~= '2' then
  for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
    if field ~= 'v' and field ~= 'incomplete' then redis.call('HDEL', KEYS[1], field) end
  end
  redis.call('DEL', KEYS[4])
  redis.call('HSET', KEYS[1], 'f', '2')
end

local i = 2
local nOffsets = tonumber(ARGV[i]); i = i + 1
local offsets = {}
for _ = 1, nOffsets do
  offsets[#offsets + 1] = ARGV[i]
  offsets[#offsets + 1] = ARGV[i + 1]
  i = i + 2
end

for k = 5, #KEYS do
  local key = KEYS[k]
  local mode = ARGV[i]
  local nFields = tonumber(ARGV[i + 1]); i = i + 2
  if mode ~= 'p' then redis.call('DEL', key) end
  for _ = 1, nFields do
    if ARGV[i + 1] == '' then
      redis.call('HDEL', key, ARGV[i])
    else
      redis.call('HSET', key, ARGV[i], ARGV[i + 1])
    end
    i = i + 2
  end
end

local nIndex = tonumber(ARGV[i]); i = i + 1
for _ = 1, nIndex do
  if ARGV[i + 1] == '' then
    redis.call('ZREM', KEYS[3], ARGV[i])
  else
    redis.call('ZADD', KEYS[3], ARGV[i + 1], ARGV[i])
  end
  i = i + 2
end

local backlog = redis.call('XLEN', KEYS[2])
local entry = ''
if ARGV[i + 1] ~= '' then entry = redis.call('XADD', KEYS[2], '*', 'n', ARGV[i], 'b', ARGV[i + 1]) end
i = i + 2

if ARGV[i] ~= nil and ARGV[i] ~= '' then
  redis.call('HSET', KEYS[1], 'incomplete', ARGV[i])
end

for j = 1, #offsets, 2 do
  redis.call('HSET', KEYS[1], offsets[j], offsets[j + 1])
end
return {redis.call('HINCRBY', KEYS[1], 'v', 1), backlog, entry}
