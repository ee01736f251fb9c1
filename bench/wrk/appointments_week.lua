-- appointments_week.lua - scenario 4: GET one random week of appointments of
-- a random calendar, within the loaded span [P.first, P.first + P.weeks weeks).

function init(args)
   math.randomseed(os.time() * 100 + (thread_no or 0))
end

function request()
   local start = P.first + (math.random(P.weeks) - 1) * 604800
   return wrk.format("GET", "/api/v2/calendars/" .. pick(P.calendars) ..
                        "/appointments?start=" .. start .. "&stop=" .. (start + 604800) ..
                        "&" .. auth_query())
end
