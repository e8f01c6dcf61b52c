-- Random known and unknown visitors; prints totals for the phase report.
request = function()
  local id
  if math.random() < 0.9 then id = math.random(0, 20000) else id = 2000000000 + math.random(0, 1000000) end
  return wrk.format("GET", "/recommend/" .. id .. "?n=5")
end

done = function(summary, latency, requests)
  local socket = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %d %d %d %.3f\n", summary.requests, summary.errors.status, socket, latency:percentile(99) / 1000))
end
