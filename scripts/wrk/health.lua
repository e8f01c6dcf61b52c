request = function()
  return wrk.format("GET", "/health")
end

dofile("scripts/wrk/report.lua")
