-- Removes the presence and routes of every connection a node registered: run by the surviving nodes
-- when a cluster member disappears, so presence never points at a node that is gone. A device that
-- still has a connection on another node stays present.
-- KEYS[1]: the node's connection set  {prefix}node:{node_id}, members "device_id\tconnection_id\tuser_id"
-- ARGV[1]: the key prefix
-- ARGV[2]: now, in epoch milliseconds
local entries = redis.call('SMEMBERS', KEYS[1])
for _, entry in ipairs(entries) do
  local device, conn, user = string.match(entry, '^(.-)\t(.-)\t(.*)$')
  if user then
    local presence = ARGV[1] .. 'presence:' .. user .. ':' .. device
    redis.call('HDEL', ARGV[1] .. 'routes:' .. user, conn)
    redis.call('HDEL', presence, 'c:' .. conn, 'a:' .. conn)
    local fields = redis.call('HGETALL', presence)
    local remaining = nil
    for i = 1, #fields, 2 do
      if string.sub(fields[i], 1, 2) == 'c:' then
        local node, expires = string.match(fields[i + 1], '^(.*)|(%d+)$')
        if expires and tonumber(expires) > tonumber(ARGV[2]) then
          remaining = {string.sub(fields[i], 3), node}
        end
      end
    end
    if not remaining then
      redis.call('DEL', presence)
    elseif redis.call('HGET', presence, 'conn') == conn then
      redis.call('HSET', presence, 'conn', remaining[1], 'node', remaining[2])
    end
  end
end
redis.call('DEL', KEYS[1])
return #entries
