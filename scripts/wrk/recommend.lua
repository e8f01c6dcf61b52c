-- Random known visitors (RetailRocket ids are 0..1407579) and 10% unknown ones:
-- recommend_visitors.lua at its default VISITORS (scale 1).
dofile("scripts/wrk/recommend_visitors.lua")
