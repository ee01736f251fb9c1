-- patient_get.lua - scenario 2: GET one patient of a random center by a
-- random remote_id among those loaded (P.centers[k] = {id=, first=, count=}).

function init(args)
   math.randomseed(os.time() * 100 + (thread_no or 0))
end

function request()
   local c = pick(P.centers)
   local i = c.first + math.random(c.count) - 1
   return wrk.format("GET", "/api/v2/centers/" .. c.id .. "/patients/remote_id:p" .. i ..
                        "?" .. auth_query())
end
