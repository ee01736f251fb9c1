-- patients_post.lua - scenario 5: POST patients_collections with P.batch new
-- patients per request into center P.center.  remote_ids are made unique per
-- run (the start time: runs are seconds apart, and every run of a scenario
-- gets the same P), thread and request, so every entry is an insert; the
-- fields follow the generator of bench/run.py and bench/sqlite_ceiling.c.

local languages = {"fr", "nl", "en"}
local counter = 0
local run_prefix

function init(args)
   math.randomseed(os.time() * 100 + (thread_no or 0))
   run_prefix = P.prefix .. "s" .. os.time() .. "t" .. (thread_no or 0)
end

local function patient(prefix, i)
   local rid = prefix .. i
   return string.format(
      '{"patient":{"remote_id":"%s","first_name":"First%d","last_name":"Last%d",' ..
      '"email":"%s@example.com","phone_number":"+32470%06d","birthdate":"%04d-%02d-%02d",' ..
      '"address":"Rue de la Loi %d, 1000 Brussels","language_code":"%s"}}',
      rid, i, i, rid, i % 1000000, 1930 + i % 90, 1 + i % 12, 1 + i % 28, 1 + i % 200,
      languages[i % 3 + 1])
end

function request()
   counter = counter + 1
   local prefix = run_prefix .. "r" .. counter .. "-"
   local items = {}
   for i = 0, P.batch - 1 do
      items[#items + 1] = patient(prefix, i)
   end
   local body = '{"patients_collection":{"patients":[' .. table.concat(items, ",") .. ']}}'
   return wrk.format("POST", "/api/v2/centers/" .. P.center .. "/patients_collections?" ..
                        auth_query(), {["Content-Type"] = "application/json"}, body)
end
