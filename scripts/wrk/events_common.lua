-- Shared by the events_*.lua scripts: random events between the model's
-- reference time and now, from environment variables set by bench_events.sh:
-- EV_REF (ms), EV_NOW (ms), EV_VISITORS (ids 0..n-1), EV_ITEMS (ids 0..n-1),
-- EV_BATCH (events per POST), EV_KEYS (1: every POST carries a fresh Idempotency-Key).
-- Loaded with dofile: run wrk from the repository root.
local ref = tonumber(os.getenv("EV_REF") or "1442534400000")
local now = tonumber(os.getenv("EV_NOW") or tostring(os.time() * 1000))
local visitors = tonumber(os.getenv("EV_VISITORS") or "50000")
local items = tonumber(os.getenv("EV_ITEMS") or "4634")
batch = tonumber(os.getenv("EV_BATCH") or "500")
local span = now - ref
local counter = 0
local keyed = os.getenv("EV_KEYS") == "1"
local sent = 0
local run = 0

setup = function(thread)
  counter = counter + 1
  thread:set("thread_id", counter)
end

init = function(args)
  math.randomseed(os.time() * 1000 + (thread_id or 0) * 7919)
  run = math.random(0, 999999999)
end

local headers = { ["Content-Type"] = "application/json" }
local parts = {}

local function one()
  local r = math.random()
  local ts = ref + math.floor(math.random() * span)
  local v = math.random(0, visitors - 1)
  local it = math.random(0, items - 1)
  if r < 0.90 then
    return string.format('{"timestamp":%d,"visitor_id":%d,"event":"view","item_id":%d}', ts, v, it)
  elseif r < 0.97 then
    return string.format('{"timestamp":%d,"visitor_id":%d,"event":"addtocart","item_id":%d}', ts, v, it)
  end
  return string.format('{"timestamp":%d,"visitor_id":%d,"event":"transaction","item_id":%d,"transaction_id":%d}',
    ts, v, it, math.random(0, 1000000000))
end

request = function()
  for i = 1, batch do parts[i] = one() end
  for i = batch + 1, #parts do parts[i] = nil end
  if keyed then
    sent = sent + 1
    headers["Idempotency-Key"] = string.format("wrk-%d-%d-%d", run, thread_id or 0, sent)
  end
  return wrk.format("POST", "/api/v1/events", headers, '{"events":[' .. table.concat(parts, ",") .. ']}')
end

dofile("scripts/wrk/report.lua")
