-- Read state, acks and receipts (first defined in V2__read_state.sql), as they are now. A repeatable
-- migration: Flyway runs it again whenever it changes, so a later change edits these definitions in place.

-- Locks the counter rows of the given users in user order: every writer that appends to several
-- logs in one transaction calls this first, so writers cannot deadlock.
CREATE OR REPLACE FUNCTION lockstep_lock_users(p_users text[])
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM users u WHERE u.user_id = ANY (p_users) ORDER BY u.user_id FOR UPDATE;
END;
$$;

-- The user's read state of one conversation and the badge (lockstep_total_unread).
CREATE OR REPLACE FUNCTION lockstep_read_state(p_user text, p_conversation text)
RETURNS jsonb
LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
           'conversation_id', p_conversation,
           'read_up_to', m.read_up_to,
           'unread', c.head - m.read_up_to,
           'marked_unread', m.marked_unread,
           'total_unread', lockstep_total_unread(p_user))
    FROM conversation_members m JOIN conversations c ON c.conversation_id = m.conversation_id
   WHERE m.conversation_id = p_conversation AND m.user_id = p_user
$$;

-- Moves the user's read cursor of a conversation to max(current, p_up_to) and clears marked_unread.
-- Outcomes: 'changed' (a read_state event was appended to the reader's log and, unless the reader
-- keeps read receipts private, a 'read' receipt to the log of each other sender of the newly read
-- messages), 'unchanged', 'not_found', 'not_member', 'beyond_head'. Answers the read state after it,
-- and the appended events in events: one {kind, users, seqs, ts, tail} object per event (lockstep_append_json).
--
-- The reader's counter row is locked before the read state is computed, so the unread count in the
-- event agrees with the log order: a message committed before the event is counted in it, a message
-- committed after it comes after it in the log.
CREATE OR REPLACE FUNCTION lockstep_read(p_user text, p_conversation text, p_up_to bigint)
RETURNS TABLE (outcome text, state jsonb, events jsonb)
LANGUAGE plpgsql AS $$
DECLARE
  v_head bigint;
  v_read bigint;
  v_marked boolean;
  v_private boolean;
  v_senders text[];
  v_state jsonb;
  v_events jsonb := '[]'::jsonb;
  v_receipt jsonb;
  v_changed boolean;
  v_stream boolean;
BEGIN
  SELECT c.head, c.stream_from IS NOT NULL INTO v_head, v_stream FROM conversations c WHERE c.conversation_id = p_conversation;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'not_found'::text, NULL::jsonb, NULL::jsonb;
    RETURN;
  END IF;
  SELECT m.read_up_to, m.marked_unread INTO v_read, v_marked FROM conversation_members m
   WHERE m.conversation_id = p_conversation AND m.user_id = p_user;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'not_member'::text, NULL::jsonb, NULL::jsonb;
    RETURN;
  END IF;
  IF p_up_to > v_head THEN
    RETURN QUERY SELECT 'beyond_head'::text, jsonb_build_object('head', v_head), NULL::jsonb;
    RETURN;
  END IF;

  SELECT coalesce((s.value = 'false'::jsonb), false) INTO v_private FROM account_settings s
   WHERE s.user_id = p_user AND s.key = 'privacy.read_receipts';
  v_private := coalesce(v_private, false);
  -- A stream sends no receipts: one per member and message is what streams exist to avoid.
  IF p_up_to > v_read AND NOT v_private AND NOT v_stream THEN
    SELECT array_agg(DISTINCT msg.sender_user) INTO v_senders FROM messages msg
     WHERE msg.conversation_id = p_conversation AND msg.conv_seq > v_read AND msg.conv_seq <= p_up_to
       AND msg.sender_user <> p_user;
  END IF;
  PERFORM lockstep_lock_users(array_append(coalesce(v_senders, '{}'), p_user));

  UPDATE conversation_members m SET read_up_to = GREATEST(m.read_up_to, p_up_to), marked_unread = false
   WHERE m.conversation_id = p_conversation AND m.user_id = p_user
     AND (m.read_up_to < p_up_to OR m.marked_unread)
  RETURNING m.read_up_to INTO v_read;
  v_changed := FOUND;
  v_state := lockstep_read_state(p_user, p_conversation);
  IF NOT v_changed THEN
    RETURN QUERY SELECT 'unchanged'::text, v_state, v_events;
    RETURN;
  END IF;

  v_events := v_events || lockstep_append_json(ARRAY[p_user], 'read_state', v_state);
  IF v_senders IS NOT NULL THEN
    v_receipt := jsonb_build_object('conversation_id', p_conversation, 'user_id', p_user, 'kind', 'read', 'up_to', v_read);
    v_events := v_events || lockstep_append_json(v_senders, 'receipt', v_receipt);
  END IF;
  RETURN QUERY SELECT 'changed'::text, v_state, v_events;
END;
$$;

-- Sets the explicit unread flag of a conversation. Outcomes as lockstep_read's ('changed' appends a
-- read_state event to the user's log).
CREATE OR REPLACE FUNCTION lockstep_mark_unread(p_user text, p_conversation text)
RETURNS TABLE (outcome text, state jsonb, events jsonb)
LANGUAGE plpgsql AS $$
DECLARE
  v_state jsonb;
  v_events jsonb;
  v_changed boolean;
BEGIN
  PERFORM 1 FROM conversations c WHERE c.conversation_id = p_conversation;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'not_found'::text, NULL::jsonb, NULL::jsonb;
    RETURN;
  END IF;
  PERFORM 1 FROM conversation_members m WHERE m.conversation_id = p_conversation AND m.user_id = p_user;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'not_member'::text, NULL::jsonb, NULL::jsonb;
    RETURN;
  END IF;
  PERFORM lockstep_lock_users(ARRAY[p_user]);
  UPDATE conversation_members m SET marked_unread = true
   WHERE m.conversation_id = p_conversation AND m.user_id = p_user AND NOT m.marked_unread;
  v_changed := FOUND;
  v_state := lockstep_read_state(p_user, p_conversation);
  IF NOT v_changed THEN
    RETURN QUERY SELECT 'unchanged'::text, v_state, '[]'::jsonb;
    RETURN;
  END IF;
  v_events := '[]'::jsonb || lockstep_append_json(ARRAY[p_user], 'read_state', v_state);
  RETURN QUERY SELECT 'changed'::text, v_state, v_events;
END;
$$;

-- Moves a device cursor forward to p_up_to and, when the device is the first of its user to get past
-- messages of others, appends one 'delivered' receipt per conversation to the log of each sender of
-- those messages. Outcomes: 'acked' (cursor is the stored cursor), 'drained' (the same, and the cursor
-- has reached the point of a pending unlink after drain: revoke the device now), 'cursor_ahead',
-- 'device_revoked'. Appended events as
-- in lockstep_read.
CREATE OR REPLACE FUNCTION lockstep_ack(p_user text, p_device text, p_up_to bigint)
RETURNS TABLE (outcome text, cursor bigint, events jsonb)
LANGUAGE plpgsql AS $$
DECLARE
  v_old bigint;
  v_head bigint;
  v_events jsonb := '[]'::jsonb;
  v_convs text[];
  v_olds bigint[];
  v_news bigint[];
  v_senders text[];
  v_receipt jsonb;
  v_revoked boolean;
  v_drain bigint;
BEGIN
  SELECT u.head INTO v_head FROM users u WHERE u.user_id = p_user;
  SELECT d.cursor, d.revoked_at IS NOT NULL, d.drain_up_to INTO v_old, v_revoked, v_drain FROM devices d
   WHERE d.device_id = p_device AND d.user_id = p_user FOR UPDATE;
  IF v_revoked THEN
    -- a revoked device's cursor is frozen where the revoke left it
    RETURN QUERY SELECT 'device_revoked'::text, v_old, NULL::jsonb;
    RETURN;
  END IF;
  IF v_old IS NULL OR v_head IS NULL OR p_up_to > v_head THEN
    RETURN QUERY SELECT 'cursor_ahead'::text, v_old, NULL::jsonb;
    RETURN;
  END IF;
  IF p_up_to <= v_old THEN
    RETURN QUERY SELECT CASE WHEN v_old >= v_drain THEN 'drained' ELSE 'acked' END, v_old, v_events;
    RETURN;
  END IF;
  UPDATE devices d SET cursor = p_up_to, last_ack_at = now() WHERE d.device_id = p_device;

  -- conversations in which this ack passes messages of others that no device of the user had acked
  SELECT array_agg(m.conversation_id ORDER BY m.conversation_id), array_agg(m.delivered_up_to ORDER BY m.conversation_id),
         array_agg(r.up_to ORDER BY m.conversation_id)
    INTO v_convs, v_olds, v_news
    FROM (SELECT e.conversation_id, max(e.conv_seq) AS up_to FROM user_events e
           WHERE e.user_id = p_user AND e.seq > v_old AND e.seq <= p_up_to AND e.kind = 'message'
           GROUP BY e.conversation_id) r
    JOIN conversation_members m ON m.conversation_id = r.conversation_id AND m.user_id = p_user
   WHERE r.up_to > m.delivered_up_to;
  IF v_convs IS NULL THEN
    RETURN QUERY SELECT CASE WHEN p_up_to >= v_drain THEN 'drained' ELSE 'acked' END, p_up_to, v_events;
    RETURN;
  END IF;

  SELECT array_agg(DISTINCT msg.sender_user) INTO v_senders
    FROM unnest(v_convs, v_olds, v_news) AS d (conversation_id, old_up_to, new_up_to)
    JOIN messages msg ON msg.conversation_id = d.conversation_id AND msg.conv_seq > d.old_up_to AND msg.conv_seq <= d.new_up_to
   WHERE msg.sender_user <> p_user;
  IF v_senders IS NOT NULL THEN
    PERFORM lockstep_lock_users(v_senders);
  END IF;

  FOR i IN 1 .. cardinality(v_convs) LOOP
    UPDATE conversation_members m SET delivered_up_to = v_news[i]
     WHERE m.conversation_id = v_convs[i] AND m.user_id = p_user AND m.delivered_up_to < v_news[i];
    CONTINUE WHEN NOT FOUND;
    SELECT array_agg(DISTINCT msg.sender_user) INTO v_senders FROM messages msg
     WHERE msg.conversation_id = v_convs[i] AND msg.conv_seq > v_olds[i] AND msg.conv_seq <= v_news[i]
       AND msg.sender_user <> p_user;
    CONTINUE WHEN v_senders IS NULL;
    v_receipt := jsonb_build_object('conversation_id', v_convs[i], 'user_id', p_user, 'kind', 'delivered', 'up_to', v_news[i]);
    v_events := v_events || lockstep_append_json(v_senders, 'receipt', v_receipt);
  END LOOP;
  RETURN QUERY SELECT CASE WHEN p_up_to >= v_drain THEN 'drained' ELSE 'acked' END, p_up_to, v_events;
END;
$$;
