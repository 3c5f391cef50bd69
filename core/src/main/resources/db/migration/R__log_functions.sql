-- The log's SQL functions (first defined in V1__log.sql), as they are now. A repeatable migration:
-- Flyway runs it again whenever it changes, so a later change edits these definitions in place.

-- Appends one event to the log of each given user, with the same kind and payload. The users' counter
-- rows are locked in sorted order, so concurrent writers touching overlapping users cannot deadlock.
CREATE OR REPLACE FUNCTION lockstep_append(p_users text[], p_kind text, p_data jsonb)
RETURNS TABLE (user_id text, seq bigint, ts timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
  v_now timestamptz := clock_timestamp();
BEGIN
  PERFORM 1 FROM users u WHERE u.user_id = ANY (p_users) ORDER BY u.user_id FOR UPDATE;
  RETURN QUERY
  WITH bumped AS (
    UPDATE users u SET head = u.head + 1 WHERE u.user_id = ANY (p_users) RETURNING u.user_id, u.head
  ), inserted AS (
    INSERT INTO user_events (user_id, seq, kind, ts, data)
    SELECT b.user_id, b.head, p_kind, v_now, p_data FROM bumped b
    RETURNING user_events.user_id, user_events.seq, user_events.ts
  )
  SELECT i.user_id, i.seq, i.ts FROM inserted i ORDER BY i.user_id;
END;
$$;

-- lockstep_append, answered as the one JSON shape in which every appended event reaches the server:
-- {kind, users, seqs (in the same order), ts (epoch ms), tail (lockstep_frame_tail of the event)}.
-- A read_state or settings event of one user carries state_digest: the user's digest with this event
-- applied (the counter row is locked first, and every change to the digest locks it too).
CREATE OR REPLACE FUNCTION lockstep_append_json(p_users text[], p_kind text, p_data jsonb)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  v_appended jsonb;
  v_digest bigint;
BEGIN
  IF p_kind IN ('read_state', 'settings') AND cardinality(p_users) = 1 THEN
    SELECT u.state_digest INTO v_digest FROM users u WHERE u.user_id = p_users[1] FOR UPDATE;
    p_data := p_data || jsonb_build_object('state_digest', lockstep_digest_hex(v_digest));
  END IF;
  SELECT jsonb_build_object('kind', p_kind,
                            'users', coalesce(jsonb_agg(a.user_id ORDER BY a.user_id), '[]'::jsonb),
                            'seqs', coalesce(jsonb_agg(a.seq ORDER BY a.user_id), '[]'::jsonb),
                            'ts', lockstep_epoch_ms(min(a.ts)),
                            'tail', lockstep_frame_tail(p_kind, min(a.ts), p_data::text))
    INTO v_appended FROM lockstep_append(p_users, p_kind, p_data) a;
  RETURN v_appended;
END;
$$;

-- Sends one message in one round trip, moving the sender's read cursor to it. Outcomes: 'sent', 'duplicate' (the idempotency key was seen:
-- the original conversation_id, conv_seq and seq are returned), 'device_revoked', 'not_found', 'not_member'.
-- Locks the conversation row (serialising sends and membership changes of that conversation), then
-- the members' counter rows in sorted order.
-- For a message sent, its frame tails: tail_own for the logs of the sender's user, tail_other for the rest.
-- A message of a stream (stream true) is written once: no member's log gets a copy, its seq is 0 and
-- member_ids is NULL.
DROP FUNCTION IF EXISTS lockstep_send_batch(text[], text[], text, text[], jsonb[]);
DROP FUNCTION IF EXISTS lockstep_send(text, text, text, text, jsonb);
CREATE FUNCTION lockstep_send(p_user text, p_device text, p_conversation text, p_client_msg_id text, p_body jsonb)
RETURNS TABLE (outcome text, conversation_id text, conv_seq bigint, seq bigint, ts timestamptz, member_ids text[],
               member_seqs bigint[], tail_own text, tail_other text, stream boolean)
LANGUAGE plpgsql AS $$
DECLARE
  v_now timestamptz := clock_timestamp();
  v_conversation text;
  v_conv_seq bigint;
  v_seq bigint;
  v_created timestamptz;
  v_members text[];
  v_seqs bigint[];
  v_stream_from bigint;
  v_read bigint;
  v_marked boolean;
  v_digest_delta numeric;
BEGIN
  SELECT m.conversation_id, m.conv_seq, m.sender_seq, m.created_at INTO v_conversation, v_conv_seq, v_seq, v_created
    FROM messages m
   WHERE m.sender_user = p_user AND m.sender_device = p_device AND m.client_msg_id = p_client_msg_id;
  IF FOUND THEN
    UPDATE devices d SET duplicate_sends = d.duplicate_sends + 1 WHERE d.device_id = p_device;
    RETURN QUERY SELECT 'duplicate'::text, v_conversation, v_conv_seq, v_seq, v_created, NULL::text[], NULL::bigint[], NULL::text, NULL::text, v_seq = 0;
    RETURN;
  END IF;

  PERFORM 1 FROM devices d WHERE d.device_id = p_device AND d.user_id = p_user AND d.revoked_at IS NULL;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'device_revoked'::text, p_conversation, NULL::bigint, NULL::bigint, NULL::timestamptz, NULL::text[], NULL::bigint[], NULL::text, NULL::text, NULL::boolean;
    RETURN;
  END IF;

  SELECT c.stream_from INTO v_stream_from FROM conversations c WHERE c.conversation_id = p_conversation FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'not_found'::text, p_conversation, NULL::bigint, NULL::bigint, NULL::timestamptz, NULL::text[], NULL::bigint[], NULL::text, NULL::text, NULL::boolean;
    RETURN;
  END IF;
  SELECT cm.read_up_to, cm.marked_unread INTO v_read, v_marked FROM conversation_members cm
   WHERE cm.conversation_id = p_conversation AND cm.user_id = p_user;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'not_member'::text, p_conversation, NULL::bigint, NULL::bigint, NULL::timestamptz, NULL::text[], NULL::bigint[], NULL::text, NULL::text, NULL::boolean;
    RETURN;
  END IF;

  UPDATE conversations c SET head = c.head + 1 WHERE c.conversation_id = p_conversation RETURNING c.head INTO v_conv_seq;

  IF v_stream_from IS NOT NULL THEN
    INSERT INTO messages (conversation_id, conv_seq, sender_user, sender_device, sender_seq, client_msg_id, body, created_at)
    VALUES (p_conversation, v_conv_seq, p_user, p_device, 0, p_client_msg_id, p_body, v_now);
    -- a stream's read state is not in the digest: its trigger has nothing to do
    PERFORM set_config('lockstep.digest', 'inline', true);
    UPDATE conversation_members cm SET read_up_to = v_conv_seq, marked_unread = false
     WHERE cm.conversation_id = p_conversation AND cm.user_id = p_user;
    PERFORM set_config('lockstep.digest', '', true);
    RETURN QUERY SELECT 'sent'::text, p_conversation, v_conv_seq, 0::bigint, v_now, NULL::text[], NULL::bigint[],
      lockstep_frame_tail('message', v_now, lockstep_message_data(p_user, p_conversation, v_conv_seq, p_user, p_device, p_body, p_client_msg_id)),
      lockstep_frame_tail('message', v_now, lockstep_message_data(NULL, p_conversation, v_conv_seq, p_user, p_device, p_body, p_client_msg_id)),
      true;
    RETURN;
  END IF;

  PERFORM 1 FROM users u
   WHERE u.user_id IN (SELECT cm.user_id FROM conversation_members cm WHERE cm.conversation_id = p_conversation)
   ORDER BY u.user_id FOR UPDATE;
  -- The sender's read cursor moves to the message: its digest change rides on the counter update,
  -- and the digest trigger of the membership update below is told it has nothing to do.
  v_digest_delta := lockstep_read_item(p_conversation, v_conv_seq, false)::numeric
                    - lockstep_read_item(p_conversation, v_read, v_marked)::numeric;
  WITH bumped AS (
    UPDATE users u SET head = u.head + 1,
           state_digest = CASE WHEN u.user_id = p_user THEN lockstep_digest_plus(u.state_digest, v_digest_delta)
                               ELSE u.state_digest END
     WHERE u.user_id IN (SELECT cm.user_id FROM conversation_members cm WHERE cm.conversation_id = p_conversation)
    RETURNING u.user_id, u.head
  )
  SELECT array_agg(b.user_id ORDER BY b.user_id), array_agg(b.head ORDER BY b.user_id) INTO v_members, v_seqs FROM bumped b;

  SELECT s.head INTO v_seq FROM unnest(v_members, v_seqs) AS s (user_id, head) WHERE s.user_id = p_user;

  INSERT INTO messages (conversation_id, conv_seq, sender_user, sender_device, sender_seq, client_msg_id, body, created_at)
  VALUES (p_conversation, v_conv_seq, p_user, p_device, v_seq, p_client_msg_id, p_body, v_now);

  -- Sending implies having read the conversation up to one's own message.
  PERFORM set_config('lockstep.digest', 'inline', true);
  UPDATE conversation_members cm SET read_up_to = v_conv_seq, marked_unread = false
   WHERE cm.conversation_id = p_conversation AND cm.user_id = p_user;
  PERFORM set_config('lockstep.digest', '', true);

  INSERT INTO user_events (user_id, seq, kind, ts, conversation_id, conv_seq)
  SELECT s.user_id, s.head, 'message', v_now, p_conversation, v_conv_seq
    FROM unnest(v_members, v_seqs) AS s (user_id, head);

  RETURN QUERY SELECT 'sent'::text, p_conversation, v_conv_seq, v_seq, v_now, v_members, v_seqs,
    lockstep_frame_tail('message', v_now, lockstep_message_data(p_user, p_conversation, v_conv_seq, p_user, p_device, p_body, p_client_msg_id)),
    lockstep_frame_tail('message', v_now, lockstep_message_data(NULL, p_conversation, v_conv_seq, p_user, p_device, p_body, p_client_msg_id)),
    false;
END;
$$;

-- Sends several messages to one conversation in one transaction, in array order (a group commit: the
-- sends that queued on the conversation while the previous batch committed). Each row is what
-- lockstep_send answered for the send at position ord; their conv_seqs and seqs follow that order.
-- A batch whose sends are all new, distinct, from live devices of members (the usual case) is written
-- set-wise: each counter row moves once by the batch's size, and one statement inserts its messages
-- (and, unless the conversation is a stream, one more its members' log rows). Any other batch goes
-- send by send through lockstep_send, which answers duplicates and refusals.
CREATE FUNCTION lockstep_send_batch(p_users text[], p_devices text[], p_conversation text,
                                    p_client_msg_ids text[], p_bodies jsonb[])
RETURNS TABLE (ord integer, outcome text, conversation_id text, conv_seq bigint, seq bigint, ts timestamptz,
               member_ids text[], member_seqs bigint[], tail_own text, tail_other text, stream boolean)
LANGUAGE plpgsql AS $$
DECLARE
  v_now timestamptz := clock_timestamp();
  v_n integer := coalesce(cardinality(p_users), 0);
  v_head bigint;
  v_stream_from bigint;
  v_members text[];
  v_bases bigint[];
  v_sender text;
  v_last bigint;
BEGIN
  SELECT c.head, c.stream_from INTO v_head, v_stream_from FROM conversations c
   WHERE c.conversation_id = p_conversation FOR UPDATE;
  IF NOT FOUND OR v_n < 2
     OR (SELECT count(DISTINCT (t.u, t.d, t.k)) FROM unnest(p_users, p_devices, p_client_msg_ids) AS t (u, d, k)) < v_n
     OR EXISTS (SELECT 1 FROM unnest(p_users, p_devices, p_client_msg_ids) AS t (u, d, k)
                  JOIN messages m ON m.sender_user = t.u AND m.sender_device = t.d AND m.client_msg_id = t.k)
     -- EXISTS in the select list stays one index lookup per send; as a join the planner may hash the
     -- whole membership of the conversation.
     OR NOT (SELECT bool_and(EXISTS (SELECT 1 FROM devices dv
                                      WHERE dv.device_id = t.d AND dv.user_id = t.u AND dv.revoked_at IS NULL)
                             AND EXISTS (SELECT 1 FROM conversation_members cm
                                          WHERE cm.conversation_id = p_conversation AND cm.user_id = t.u))
               FROM unnest(p_users, p_devices) AS t (u, d)) THEN
    FOR i IN 1 .. v_n LOOP
      RETURN QUERY SELECT i, s.* FROM lockstep_send(p_users[i], p_devices[i], p_conversation, p_client_msg_ids[i], p_bodies[i]) s;
    END LOOP;
    RETURN;
  END IF;

  UPDATE conversations c SET head = c.head + v_n WHERE c.conversation_id = p_conversation;
  IF v_stream_from IS NULL THEN
    PERFORM 1 FROM users u
     WHERE u.user_id IN (SELECT cm.user_id FROM conversation_members cm WHERE cm.conversation_id = p_conversation)
     ORDER BY u.user_id FOR UPDATE;
    WITH bumped AS (
      UPDATE users u SET head = u.head + v_n
       WHERE u.user_id IN (SELECT cm.user_id FROM conversation_members cm WHERE cm.conversation_id = p_conversation)
      RETURNING u.user_id, u.head - v_n AS base
    )
    SELECT array_agg(b.user_id ORDER BY b.user_id), array_agg(b.base ORDER BY b.user_id) INTO v_members, v_bases
      FROM bumped b;
    INSERT INTO user_events (user_id, seq, kind, ts, conversation_id, conv_seq)
    SELECT m.user_id, m.base + g.n, 'message', v_now, p_conversation, v_head + g.n
      FROM unnest(v_members, v_bases) AS m (user_id, base) CROSS JOIN generate_series(1, v_n) AS g (n);
  END IF;
  INSERT INTO messages (conversation_id, conv_seq, sender_user, sender_device, sender_seq, client_msg_id, body, created_at)
  SELECT p_conversation, v_head + t.n, t.u, t.d, coalesce(v_bases[array_position(v_members, t.u)] + t.n, 0), t.k, t.b, v_now
    FROM unnest(p_users, p_devices, p_client_msg_ids, p_bodies) WITH ORDINALITY AS t (u, d, k, b, n);
  -- One primary-key update per sender: as one statement over user_id = ANY (...), a planner with stale
  -- statistics (a conversation that just got 100,000 members) walked every membership of the conversation.
  FOR v_sender, v_last IN
    SELECT t.u, max(v_head + t.n) FROM unnest(p_users) WITH ORDINALITY AS t (u, n) GROUP BY t.u
  LOOP
    UPDATE conversation_members cm SET read_up_to = GREATEST(cm.read_up_to, v_last), marked_unread = false
     WHERE cm.conversation_id = p_conversation AND cm.user_id = v_sender;
  END LOOP;
  RETURN QUERY SELECT t.n::integer, 'sent'::text, p_conversation, v_head + t.n,
      coalesce(v_bases[array_position(v_members, t.u)] + t.n, 0), v_now, v_members,
      CASE WHEN v_stream_from IS NULL
           THEN ARRAY(SELECT x.base + t.n FROM unnest(v_bases) WITH ORDINALITY AS x (base, i) ORDER BY x.i) END,
      lockstep_frame_tail('message', v_now, lockstep_message_data(t.u, p_conversation, v_head + t.n, t.u, t.d, t.b, t.k)),
      lockstep_frame_tail('message', v_now, lockstep_message_data(NULL, p_conversation, v_head + t.n, t.u, t.d, t.b, t.k)),
      v_stream_from IS NOT NULL
    FROM unnest(p_users, p_devices, p_client_msg_ids, p_bodies) WITH ORDINALITY AS t (u, d, k, b, n);
END;
$$;

-- Moves the retention floor of up to p_batch users whose log holds more than p_max_events events
-- (0: no count limit) or whose oldest event is older than p_max_age (NULL: no age limit), and
-- deletes their events at or below the new floor. Candidates are locked in user order, like every
-- other writer of users rows. Returns how many users it moved.
CREATE OR REPLACE FUNCTION lockstep_prune(p_max_events bigint, p_max_age interval, p_batch integer)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  v_cutoff timestamptz := now() - p_max_age;
  v_user record;
  v_floor bigint;
  v_moved integer := 0;
  v_seen integer := 0;
BEGIN
  FOR v_user IN
    SELECT u.user_id, u.head, u.floor FROM users u
     WHERE (p_max_events > 0 AND u.head - p_max_events > u.floor)
        OR (p_max_age IS NOT NULL AND EXISTS (
              SELECT 1 FROM user_events e WHERE e.user_id = u.user_id AND e.seq = u.floor + 1 AND e.ts < v_cutoff))
     ORDER BY u.user_id
     LIMIT p_batch
     FOR UPDATE
  LOOP
    v_seen := v_seen + 1;
    v_floor := v_user.floor;
    IF p_max_events > 0 THEN
      v_floor := GREATEST(v_floor, v_user.head - p_max_events);
    END IF;
    IF p_max_age IS NOT NULL THEN
      v_floor := GREATEST(v_floor, COALESCE((SELECT max(e.seq) FROM user_events e
                                              WHERE e.user_id = v_user.user_id AND e.seq > v_user.floor
                                                AND e.ts < v_cutoff), 0));
    END IF;
    IF v_floor > v_user.floor THEN
      UPDATE users u SET floor = v_floor WHERE u.user_id = v_user.user_id;
      DELETE FROM user_events e WHERE e.user_id = v_user.user_id AND e.seq <= v_floor;
      v_moved := v_moved + 1;
    END IF;
  END LOOP;
  -- Messages go only once no user is left to prune: a user of a later batch may still have an event
  -- pointing at one, and would page a message event without its data.
  IF p_max_age IS NOT NULL AND v_seen < p_batch THEN
    DELETE FROM messages m WHERE m.created_at < v_cutoff;
  END IF;
  RETURN v_moved;
END;
$$;
