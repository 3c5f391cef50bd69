-- One definition each of what the log's functions and the server share: an event frame's text, a
-- message event's data, an event's timestamp, and the badge. A repeatable migration: Flyway runs it
-- again whenever it changes (before the other R__ files, which use these).
--
-- The frame functions are single SELECTs declared STABLE (what their bodies are: to_json and extract
-- on a timestamptz are stable), so PostgreSQL inlines them into the page query. Declared IMMUTABLE
-- they would not be inlined, and a catch-up page would pay several function calls per row (5× slower).

-- An event's timestamp on the wire: whole milliseconds since the epoch, rounded down.
CREATE OR REPLACE FUNCTION lockstep_epoch_ms(p_ts timestamptz)
RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT floor(extract(epoch FROM p_ts) * 1000)::bigint
$$;

-- Everything of an event frame after its seq: ,"kind":…,"ts":…,"data":…}. The same event appended to
-- several logs has one tail; the server puts each log's seq before it (io.lockstep.protocol.EventFrames).
CREATE OR REPLACE FUNCTION lockstep_frame_tail(p_kind text, p_ts timestamptz, p_data text)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT ',"kind":' || to_json(p_kind)::text || ',"ts":' || lockstep_epoch_ms(p_ts) || ',"data":'
      || coalesce(p_data, 'null') || '}'
$$;

-- A user-log event frame: {"type":"event","seq":…,"kind":…,"ts":…,"data":…}.
CREATE OR REPLACE FUNCTION lockstep_event_frame(p_seq bigint, p_kind text, p_ts timestamptz, p_data text)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT '{"type":"event","seq":' || p_seq || lockstep_frame_tail(p_kind, p_ts, p_data)
$$;

-- A stream event frame: {"type":"event","stream":…,"seq":…,"kind":…,"ts":…,"data":…}, seq being the
-- message's conv_seq (its position in the stream).
CREATE OR REPLACE FUNCTION lockstep_stream_frame(p_conversation text, p_seq bigint, p_kind text, p_ts timestamptz,
                                                 p_data text)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT '{"type":"event","stream":' || to_json(p_conversation)::text || ',"seq":' || p_seq
      || lockstep_frame_tail(p_kind, p_ts, p_data)
$$;

-- A message event's data as p_viewer's log shows it: client_msg_id only in the logs of the sender's
-- own user, so a sending device can match its echo.
CREATE OR REPLACE FUNCTION lockstep_message_data(p_viewer text, p_conversation text, p_conv_seq bigint,
                                                 p_sender_user text, p_sender_device text, p_body jsonb,
                                                 p_client_msg_id text)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT '{"conversation_id":' || to_json(p_conversation)::text || ',"conv_seq":' || p_conv_seq
      || ',"sender":{"user_id":' || to_json(p_sender_user)::text || ',"device_id":' || to_json(p_sender_device)::text
      || '},"body":' || p_body::text
      || CASE WHEN p_sender_user = p_viewer THEN ',"client_msg_id":' || to_json(p_client_msg_id)::text ELSE '' END
      || '}'
$$;

-- The user's badge: the sum of their unread counts, a conversation marked unread counting at least 1.
CREATE OR REPLACE FUNCTION lockstep_total_unread(p_user text)
RETURNS bigint
LANGUAGE sql STABLE AS $$
  SELECT coalesce(sum(GREATEST(c.head - m.read_up_to, CASE WHEN m.marked_unread THEN 1 ELSE 0 END)), 0)
    FROM conversation_members m JOIN conversations c ON c.conversation_id = m.conversation_id
   WHERE m.user_id = p_user
$$;
