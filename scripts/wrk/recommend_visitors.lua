-- recommend.lua for any scale of generated data: known visitors are drawn from
-- ids 0..VISITORS-1 (the generator's raw visitor ids are exactly those; the
-- default is scale 1's 1407580, which recommend.lua uses), and 10% are
-- unknown ones (popular fallback). Unseeded, as recommend.lua: every run draws
-- the same sequence.
local visitors = tonumber(os.getenv("VISITORS") or "1407580")

request = function()
  local id
  if math.random() < 0.9 then
    id = math.random(0, visitors - 1)
  else
    id = 2000000000 + math.random(0, 1000000)
  end
  return wrk.format("GET", "/recommend/" .. id .. "?n=5")
end

dofile("scripts/wrk/report.lua")
