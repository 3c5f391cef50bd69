-- Removes a device's presence and route, but only while they still belong to the given connection
-- (a newer connection of the same device may already have replaced them).
-- KEYS[1]: presence key         {prefix}presence:{user_id}:{device_id}
-- KEYS[2]: routes key           {prefix}routes:{user_id}
-- KEYS[3]: node connection set  {prefix}node:{node_id}
-- ARGV[1]: device id
-- ARGV[2]: connection id
-- ARGV[3]: the connection's member of the node set
local route = redis.call('HGET', KEYS[2], ARGV[1])
if route and string.find(route, '|' .. ARGV[2] .. '|', 1, true) then
  redis.call('HDEL', KEYS[2], ARGV[1])
end
if redis.call('HGET', KEYS[1], 'conn') == ARGV[2] then
  redis.call('DEL', KEYS[1])
end
redis.call('SREM', KEYS[3], ARGV[3])
return 1
