/**
 * The concurrency gate's one Lua script (README.md beside this file). Every change to the gate's Redis state
 * goes through it, one call per batch: releases, enqueues, slot restores, due timers, then admission.
 *
 * KEYS[1]  `<base>:epoch`: present once the gate state was derived from Postgres (absent after a Redis loss)
 * ARGV[1]  base, e.g. `{gantry}:gate` (every key shares the hash tag, so the script is Redis Cluster-safe)
 * ARGV[2]  now, ms since the epoch
 * ARGV[3]  most runs to admit in this call
 * ARGV[4]  1 = also admit every environment that has ready runs, keys set aside at their limit included
 *          (the reconciler's sweep, and after a limit changes), else 0
 * then     nRelease, runId × nRelease                      runs leaving the gate (slot freed or entry dropped)
 * then     nEnqueue, (runId, envId, queue, key, orderScore, availableAtMs, attempt) × nEnqueue
 * then     nRestore, (runId, envId, queue, key, attempt) × nRestore   runs Postgres has DEQUEUED/EXECUTING
 * then     nAdmit, envId × nAdmit                          environments to admit runs in
 *
 * Returns  { epochPresent (0|1), admitted: [runId, envId, attempt]..., needJob: [runId, envId, attempt]...,
 *            needConfig: [envId]..., nextWakeMs (-1: none) }
 *   admitted:   runs that took a slot now: each needs its BullMQ job
 *   needJob:    runs enqueued again while already holding a slot for that attempt (their job may be lost)
 *   needConfig: environments whose limits are not in Redis (expired or never loaded): load, then admit again
 *
 * Guarantees, the script being atomic: a run holds at most one slot, recorded in `<base>:runs` so a release
 * needs only its id; per environment, queue and (queue, key) the slot counters equal the slots held; no
 * admission exceeds the environment's base × burst, the queue's min(total cap, base), the key's min(queue limit,
 * base), nor a rate limit (GCRA, per queue and per key); a paused queue admits nothing. While the epoch key is
 * missing nothing is admitted (the slots of running runs are unknown until restored from Postgres).
 */
export const GATE_SCRIPT = `
local base = ARGV[1]
local now = tonumber(ARGV[2])
local maxAdmit = tonumber(ARGV[3])
local sweep = ARGV[4] == "1"
local SEP = "\\31"

local runsKey = base .. ":runs"
local timersKey = base .. ":timers"
local keywakeKey = base .. ":keywake"
local envwakeKey = base .. ":envwake"
local envsKey = base .. ":envs"
local countsKey = base .. ":counts"
local tickKey = base .. ":tick"
local parkedKey = base .. ":parked"

local function readyKey(env, q, ck) return base .. ":ready:" .. env .. SEP .. q .. SEP .. ck end
local function keysKey(env, q) return base .. ":keys:" .. env .. SEP .. q end
local function queuesKey(env) return base .. ":queues:" .. env end
local function cfgKey(env) return base .. ":cfg:" .. env end
local function rlKey(env, q, ck) if ck then return base .. ":rl:" .. env .. SEP .. q .. SEP .. ck end return base .. ":rlq:" .. env .. SEP .. q end

local function split(s)
  local out = {}
  local from = 1
  while true do
    local i = string.find(s, SEP, from, true)
    if not i then out[#out + 1] = string.sub(s, from) break end
    out[#out + 1] = string.sub(s, from, i - 1)
    from = i + 1
  end
  return out
end

local touched = {}
local touchedList = {}
local function touch(env)
  if not touched[env] then touched[env] = true touchedList[#touchedList + 1] = env end
end

-- Fairness: a queue's keys (and an environment's queues) are ordered by the slots they hold, fewest first;
-- among equals, the one served longest ago first (the fraction: a turn counter). So a key flooding its queue
-- gets the same share of slots as each other key with work, not a share proportional to its backlog.
local function turn()
  local t = redis.call("INCR", tickKey)
  return (t % 1000000) / 1000001
end

local function activateQueue(env, q)
  if not redis.call("ZSCORE", queuesKey(env), q) then
    local held = tonumber(redis.call("HGET", countsKey, "q" .. SEP .. env .. SEP .. q) or "0")
    redis.call("ZADD", queuesKey(env), held, q)
  end
  redis.call("ZADD", envsKey, "NX", 0, env)
end

-- a key is in its queue's key index while it has ready runs and is not waiting out a rate limit
local function activateKey(env, q, ck)
  local kk = keysKey(env, q)
  if redis.call("ZSCORE", kk, ck) then return end
  if redis.call("ZSCORE", keywakeKey, env .. SEP .. q .. SEP .. ck) then return end
  local held = tonumber(redis.call("HGET", countsKey, "k" .. SEP .. env .. SEP .. q .. SEP .. ck) or "0")
  redis.call("ZADD", kk, held, ck)
  activateQueue(env, q)
end

local function dropKeyIfEmpty(env, q, ck)
  if redis.call("ZCARD", readyKey(env, q, ck)) == 0 then
    local kk = keysKey(env, q)
    redis.call("ZREM", kk, ck)
    if redis.call("ZCARD", kk) == 0 then redis.call("ZREM", queuesKey(env), q) end
  end
end

local function addCount(field, by)
  local v = redis.call("HINCRBY", countsKey, field, by)
  if v <= 0 then redis.call("HDEL", countsKey, field) end
end

local function counts(env, q, ck)
  return "e" .. SEP .. env, "q" .. SEP .. env .. SEP .. q, "k" .. SEP .. env .. SEP .. q .. SEP .. ck
end

local function takeSlot(runId, env, q, ck, attempt)
  redis.call("HSET", runsKey, runId, "s" .. SEP .. env .. SEP .. q .. SEP .. ck .. SEP .. attempt .. SEP .. "0")
  local e, qq, k = counts(env, q, ck)
  addCount(e, 1) addCount(qq, 1) addCount(k, 1)
end

local function releaseRun(runId)
  local cur = redis.call("HGET", runsKey, runId)
  if not cur then return end
  local f = split(cur)
  local state, env, q, ck = f[1], f[2], f[3], f[4]
  redis.call("HDEL", runsKey, runId)
  if state == "s" then
    local e, qq, k = counts(env, q, ck)
    addCount(e, -1) addCount(qq, -1) addCount(k, -1)
    local kk = keysKey(env, q)
    if redis.call("ZSCORE", kk, ck) then redis.call("ZINCRBY", kk, -1, ck) end
    if redis.call("ZSCORE", queuesKey(env), q) then redis.call("ZINCRBY", queuesKey(env), -1, q) end
    -- the key may have been set aside at its limit: it may admit again
    redis.call("SREM", parkedKey, env .. SEP .. q .. SEP .. ck)
    if redis.call("ZCARD", readyKey(env, q, ck)) > 0 then activateKey(env, q, ck) end
    touch(env)
  elseif state == "r" then
    redis.call("ZREM", readyKey(env, q, ck), runId)
    dropKeyIfEmpty(env, q, ck)
  else
    redis.call("ZREM", timersKey, runId)
  end
end

local function makeReady(runId, env, q, ck, attempt, score)
  redis.call("HSET", runsKey, runId, "r" .. SEP .. env .. SEP .. q .. SEP .. ck .. SEP .. attempt .. SEP .. score)
  redis.call("ZADD", readyKey(env, q, ck), score, runId)
  activateKey(env, q, ck)
  touch(env)
end

local admitted = {}
local needJob = {}
local needConfig = {}
local nextWake = -1
local function wakeAt(t)
  if nextWake < 0 or t < nextWake then nextWake = t end
end

-- releases
local i = 5
local n = tonumber(ARGV[i]) i = i + 1
for j = 1, n do releaseRun(ARGV[i]) i = i + 1 end

-- enqueues
n = tonumber(ARGV[i]) i = i + 1
for j = 1, n do
  local runId, env, q, ck, score, at, attempt = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], tonumber(ARGV[i + 5]), ARGV[i + 6]
  i = i + 7
  local cur = redis.call("HGET", runsKey, runId)
  local skip = false
  if cur then
    local f = split(cur)
    if f[5] == attempt then
      if f[1] == "s" and at > now then
        releaseRun(runId) -- admitted, then moved later (reschedule): back in line at its new time
      elseif f[1] == "s" then
        needJob[#needJob + 1] = runId needJob[#needJob + 1] = env needJob[#needJob + 1] = attempt
        skip = true
      elseif f[1] == "r" then
        skip = true
      else
        redis.call("ZREM", timersKey, runId) -- a timer moves to its new time (reschedule)
        redis.call("HDEL", runsKey, runId)
      end
    else
      releaseRun(runId) -- an earlier attempt's entry or slot (retry, redrive) is over
    end
  end
  if not skip then
    if at > now then
      redis.call("HSET", runsKey, runId, "t" .. SEP .. env .. SEP .. q .. SEP .. ck .. SEP .. attempt .. SEP .. score)
      redis.call("ZADD", timersKey, at, runId)
    else
      makeReady(runId, env, q, ck, attempt, score)
    end
  end
end

-- slots of runs Postgres has running (rebuild after a Redis loss)
n = tonumber(ARGV[i]) i = i + 1
for j = 1, n do
  local runId, env, q, ck, attempt = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  i = i + 5
  local cur = redis.call("HGET", runsKey, runId)
  if not (cur and string.sub(cur, 1, 1) == "s") then
    if cur then releaseRun(runId) end
    takeSlot(runId, env, q, ck, attempt)
  end
end

n = tonumber(ARGV[i]) i = i + 1
for j = 1, n do touch(ARGV[i]) i = i + 1 end

-- due timers become ready; keys and environments whose rate limit has passed come back
local due = redis.call("ZRANGEBYSCORE", timersKey, "-inf", now, "LIMIT", 0, 1000)
for _, runId in ipairs(due) do
  redis.call("ZREM", timersKey, runId)
  local cur = redis.call("HGET", runsKey, runId)
  if cur then
    local f = split(cur)
    makeReady(runId, f[2], f[3], f[4], f[5], f[6])
  end
end
due = redis.call("ZRANGEBYSCORE", keywakeKey, "-inf", now, "LIMIT", 0, 1000)
for _, member in ipairs(due) do
  redis.call("ZREM", keywakeKey, member)
  local f = split(member)
  if redis.call("ZCARD", readyKey(f[1], f[2], f[3])) > 0 then activateKey(f[1], f[2], f[3]) end
  touch(f[1])
end
due = redis.call("ZRANGEBYSCORE", envwakeKey, "-inf", now, "LIMIT", 0, 1000)
for _, env in ipairs(due) do
  redis.call("ZREM", envwakeKey, env)
  touch(env)
end
if sweep then
  -- keys set aside at their limit come back for another look (their limit may have been raised)
  for _, member in ipairs(redis.call("SMEMBERS", parkedKey)) do
    redis.call("SREM", parkedKey, member)
    local f = split(member)
    if redis.call("ZCARD", readyKey(f[1], f[2], f[3])) > 0 then activateKey(f[1], f[2], f[3]) end
  end
  for _, env in ipairs(redis.call("ZRANGE", envsKey, 0, -1)) do touch(env) end
end

local epoch = redis.call("EXISTS", KEYS[1]) == 1

-- GCRA: limit runs per period. Returns when the next run may go, and the state after it goes.
local function gcra(key, limit, period)
  local interval = period / limit
  local tat = tonumber(redis.call("GET", key) or "0")
  if tat < now then tat = now end
  return tat - (period - interval), tat + interval
end

local function admitEnv(env)
  local cfg = cfgKey(env)
  local envCfg = redis.call("HGET", cfg, "")
  if not envCfg then needConfig[#needConfig + 1] = env return end
  local ef = split(envCfg)
  local baseLimit = tonumber(ef[1])
  local envCap = math.floor(baseLimit * tonumber(ef[2]))
  local eField = "e" .. SEP .. env
  local envCount = tonumber(redis.call("HGET", countsKey, eField) or "0")
  local qk = queuesKey(env)
  local qcfgs = {}
  while #admitted < maxAdmit * 3 and envCount < envCap do
    local queues = redis.call("ZRANGE", qk, 0, -1, "WITHSCORES")
    if #queues == 0 then break end
    local progress = false
    for qi = 1, #queues, 2 do
      if envCount >= envCap or #admitted >= maxAdmit * 3 then break end
      local q, qscore = queues[qi], tonumber(queues[qi + 1])
      local qc = qcfgs[q]
      if not qc then
        -- limit, total, queue rate (limit, period), key rate (limit, period), paused; "" = none
        local raw = redis.call("HGET", cfg, "q" .. SEP .. q)
        local f = raw and split(raw) or {}
        local limit, total = tonumber(f[1] or ""), tonumber(f[2] or "")
        qc = {
          keyCap = math.min(limit or baseLimit, baseLimit),
          queueCap = math.min(total or baseLimit, baseLimit),
          rl = tonumber(f[3] or ""), rp = tonumber(f[4] or ""),
          krl = tonumber(f[5] or ""), krp = tonumber(f[6] or ""),
          paused = f[7] == "1",
        }
        qcfgs[q] = qc
      end
      local qField = "q" .. SEP .. env .. SEP .. q
      local qCount = tonumber(redis.call("HGET", countsKey, qField) or "0")
      local open = not qc.paused and qc.keyCap > 0 and qCount < qc.queueCap
      local qNext
      if open and qc.rl then
        local allowAt, after = gcra(rlKey(env, q), qc.rl, qc.rp)
        if allowAt > now then
          open = false
          redis.call("ZADD", envwakeKey, allowAt, env)
          wakeAt(allowAt)
        else
          qNext = after
        end
      end
      if open then
        local kk = keysKey(env, q)
        while true do
          local head = redis.call("ZRANGE", kk, 0, 0, "WITHSCORES")
          if #head == 0 then break end
          local ck, kscore = head[1], tonumber(head[2])
          local kField = "k" .. SEP .. env .. SEP .. q .. SEP .. ck
          local rk = readyKey(env, q, ck)
          local kAllowAt, kNext
          if qc.krl then kAllowAt, kNext = gcra(rlKey(env, q, ck), qc.krl, qc.krp) end
          if tonumber(redis.call("HGET", countsKey, kField) or "0") >= qc.keyCap then
            -- set aside until one of its runs releases a slot (or the sweep looks again: a raised limit)
            redis.call("ZREM", kk, ck)
            redis.call("SADD", parkedKey, env .. SEP .. q .. SEP .. ck)
          elseif kAllowAt and kAllowAt > now then
            redis.call("ZREM", kk, ck)
            redis.call("ZADD", keywakeKey, kAllowAt, env .. SEP .. q .. SEP .. ck)
            wakeAt(kAllowAt)
          else
            local top = redis.call("ZRANGE", rk, 0, 0)
            if #top == 0 then
              redis.call("ZREM", kk, ck)
            else
              local runId = top[1]
              redis.call("ZREM", rk, runId)
              local cur = split(redis.call("HGET", runsKey, runId) or "")
              local attempt = cur[5] or "1"
              takeSlot(runId, env, q, ck, attempt)
              envCount = envCount + 1
              if qNext then redis.call("SET", rlKey(env, q), qNext, "PX", qc.rp) end
              if kNext then redis.call("SET", rlKey(env, q, ck), kNext, "PX", qc.krp) end
              admitted[#admitted + 1] = runId admitted[#admitted + 1] = env admitted[#admitted + 1] = attempt
              if redis.call("ZCARD", rk) == 0 then
                redis.call("ZREM", kk, ck)
              else
                redis.call("ZADD", kk, tonumber(redis.call("HGET", countsKey, kField)) + turn(), ck)
              end
              progress = true
              redis.call("ZADD", qk, qCount + 1 + turn(), q)
              break
            end
          end
        end
        if redis.call("ZCARD", kk) == 0 then redis.call("ZREM", qk, q) end
      end
    end
    if not progress then break end
  end
  if redis.call("ZCARD", qk) == 0 then
    redis.call("ZREM", envsKey, env)
  elseif #admitted >= maxAdmit * 3 and envCount < envCap then
    -- cut short by this call's budget: the next call goes on
    redis.call("ZADD", envwakeKey, now, env)
    wakeAt(now)
  end
end

if epoch then
  for _, env in ipairs(touchedList) do
    if #admitted >= maxAdmit * 3 then
      redis.call("ZADD", envwakeKey, now, env)
      wakeAt(now)
    else
      admitEnv(env)
    end
  end
end

local first = redis.call("ZRANGE", timersKey, 0, 0, "WITHSCORES")
if #first > 0 then wakeAt(tonumber(first[2])) end
first = redis.call("ZRANGE", keywakeKey, 0, 0, "WITHSCORES")
if #first > 0 then wakeAt(tonumber(first[2])) end
first = redis.call("ZRANGE", envwakeKey, 0, 0, "WITHSCORES")
if #first > 0 then wakeAt(tonumber(first[2])) end

return { epoch and 1 or 0, admitted, needJob, needConfig, tostring(nextWake) }
`;
