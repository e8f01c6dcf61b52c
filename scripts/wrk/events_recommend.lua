-- GET /recommend for the visitors the live-events benchmark posts to
-- (ids 0..EV_VISITORS-1), so every answer merges their live events.
local visitors = tonumber(os.getenv("EV_VISITORS") or "50000")
request = function()
  return wrk.format("GET", "/recommend/" .. math.random(0, visitors - 1) .. "?n=5")
end

dofile("scripts/wrk/report.lua")
