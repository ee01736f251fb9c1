-- suggestions.lua - scenario 7: suggestions over 30 days for a random
-- calendar and one of its services (P.pairs[k] = {calendar=, service=}),
-- starting on a random day of the next P.days days (from P.from).

function init(args)
   math.randomseed(os.time() * 100 + (thread_no or 0))
end

function request()
   local p = pick(P.pairs)
   local start = P.from + (math.random(P.days) - 1) * 86400
   return wrk.format("GET", "/api/v2/suggestions?calendar_id=" .. p.calendar ..
                        "&service_id=" .. p.service .. "&start=" .. start ..
                        "&stop=" .. (start + 30 * 86400) .. "&" .. auth_query())
end
