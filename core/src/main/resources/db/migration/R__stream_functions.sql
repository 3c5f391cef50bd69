-- Streams (V8__streams.sql): a device's position in a large conversation. A repeatable migration:
-- Flyway runs it again whenever it changes.

-- Stores a device's position in a stream as max(stored, p_up_to), and the member's delivered_up_to with
-- it. Outcomes: 'acked' (p_position is the stored position), 'not_member' (not a stream the user is in),
-- 'device_revoked', 'cursor_ahead' (p_head is the stream's head).
CREATE OR REPLACE FUNCTION lockstep_stream_ack(p_user text, p_device text, p_conversation text, p_up_to bigint,
                                               OUT outcome text, OUT p_position bigint, OUT p_head bigint)
LANGUAGE plpgsql AS $$
DECLARE
  v_start bigint;
BEGIN
  SELECT c.head, GREATEST(coalesce(cm.stream_start, 0), c.stream_from - 1) INTO p_head, v_start
    FROM conversations c JOIN conversation_members cm ON cm.conversation_id = c.conversation_id AND cm.user_id = p_user
   WHERE c.conversation_id = p_conversation AND c.stream_from IS NOT NULL;
  IF NOT FOUND THEN
    outcome := 'not_member';
    RETURN;
  END IF;
  PERFORM 1 FROM devices d WHERE d.device_id = p_device AND d.user_id = p_user AND d.revoked_at IS NULL;
  IF NOT FOUND THEN
    outcome := 'device_revoked';
    RETURN;
  END IF;
  IF p_up_to > p_head THEN
    outcome := 'cursor_ahead';
    RETURN;
  END IF;
  INSERT INTO stream_positions AS p (device_id, conversation_id, position)
  VALUES (p_device, p_conversation, GREATEST(p_up_to, v_start))
  ON CONFLICT (device_id, conversation_id) DO UPDATE SET position = GREATEST(p.position, EXCLUDED.position)
  RETURNING p.position INTO p_position;
  UPDATE conversation_members cm SET delivered_up_to = p_up_to
   WHERE cm.conversation_id = p_conversation AND cm.user_id = p_user AND cm.delivered_up_to < p_up_to;
  outcome := 'acked';
END;
$$;
