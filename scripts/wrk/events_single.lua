-- POST /api/v1/events with one random event per request.
dofile("scripts/wrk/events_common.lua")
batch = 1
