-- static.lua - one fixed GET (P.path), for scenario 1 and the nginx runs.
-- Formatted once, like the pool of patient_get.lua, so that every run
-- compared with another costs wrk the same per request.

local req

function request()
   req = req or wrk.format("GET", P.path)
   return req
end
