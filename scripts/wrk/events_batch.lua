-- POST /api/v1/events with EV_BATCH (default 500) random events per request.
dofile("scripts/wrk/events_common.lua")
