-- Random known visitors (RetailRocket ids are 0..1407579) and 10% unknown ones.
request = function()
  local id
  if math.random() < 0.9 then
    id = math.random(0, 1407579)
  else
    id = 2000000000 + math.random(0, 1000000)
  end
  return wrk.format("GET", "/recommend/" .. id .. "?n=5")
end

dofile("scripts/wrk/report.lua")
