-- Removes the presence and routes of every connection a node registered: run by the surviving nodes
-- when a cluster member disappears, so presence never points at a node that is gone.
-- KEYS[1]: the node's connection set  {prefix}node:{node_id}, members "device_id\tconnection_id\tuser_id"
-- ARGV[1]: the key prefix
local entries = redis.call('SMEMBERS', KEYS[1])
for _, entry in ipairs(entries) do
  local device, conn, user = string.match(entry, '^(.-)\t(.-)\t(.*)$')
  if user then
    local presence = ARGV[1] .. 'presence:' .. user .. ':' .. device
    if redis.call('HGET', presence, 'conn') == conn then
      redis.call('DEL', presence)
    end
    local routes = ARGV[1] .. 'routes:' .. user
    local route = redis.call('HGET', routes, device)
    if route and string.find(route, '|' .. conn .. '|', 1, true) then
      redis.call('HDEL', routes, device)
    end
  end
end
redis.call('DEL', KEYS[1])
return #entries
