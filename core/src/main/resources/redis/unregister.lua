-- Removes one connection of a device: its route, and its entry in the device's presence. The device
-- stays present while another of its connections is alive (several sockets of one device); the
-- presence key goes only with the last one.
-- KEYS[1]: presence key         {prefix}presence:{user_id}:{device_id}, hash with node, conn, since,
--                               last_seen (the newest connection), c:{connection_id} = "node|expires_at_ms"
--                               and a:{connection_id} = the attention that connection declared
-- KEYS[2]: routes key           {prefix}routes:{user_id}, hash {connection_id} = "node|connection_id|expires_at_ms"
-- KEYS[3]: node connection set  {prefix}node:{node_id}
-- ARGV[1]: connection id
-- ARGV[2]: the connection's member of the node set
-- ARGV[3]: now, in epoch milliseconds
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('SREM', KEYS[3], ARGV[2])
redis.call('HDEL', KEYS[1], 'c:' .. ARGV[1], 'a:' .. ARGV[1])
local fields = redis.call('HGETALL', KEYS[1])
local remaining = nil
for i = 1, #fields, 2 do
  local name, value = fields[i], fields[i + 1]
  if string.sub(name, 1, 2) == 'c:' then
    local node, expires = string.match(value, '^(.*)|(%d+)$')
    if expires and tonumber(expires) > tonumber(ARGV[3]) then
      remaining = {string.sub(name, 3), node}
    else
      redis.call('HDEL', KEYS[1], name, 'a:' .. string.sub(name, 3))
    end
  end
end
if not remaining then
  redis.call('DEL', KEYS[1])
elseif redis.call('HGET', KEYS[1], 'conn') == ARGV[1] then
  redis.call('HSET', KEYS[1], 'conn', remaining[1], 'node', remaining[2])
end
return 1
