-- appointment_put.lua - scenario 6: PUT a random appointment of a random
-- calendar by remote_id (P.calendars[k] = {id=, count=}), changing its title.

local counter = 0

function init(args)
   math.randomseed(os.time() * 100 + (thread_no or 0))
end

function request()
   counter = counter + 1
   local k = pick(P.calendars)
   local path = "/api/v2/calendars/" .. k.id .. "/appointments/remote_id:a" ..
      (math.random(k.count) - 1) .. "?" .. auth_query()
   local body = '{"appointment":{"title":"bench ' .. thread_no .. "-" .. counter .. '"}}'
   return wrk.format("PUT", path, {["Content-Type"] = "application/json"}, body)
end
