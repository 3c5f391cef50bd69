-- Push tokens and the push outbox (first defined in V5__push.sql), as they are now. A repeatable
-- migration: Flyway runs it again whenever it changes, so a later change edits these definitions in place.

-- Registers a device's token. A token held by another device moves to this one (that device loses it
-- and its pending pushes). Answers the outcome: 'registered' (the device had none), 'replaced' (it had
-- another), 'unchanged' (the same token again: its time is refreshed), 'moved' (taken from another
-- device), 'revoked' (the device is revoked or not the user's), with the device it moved from.
CREATE OR REPLACE FUNCTION lockstep_push_register(p_user text, p_device text, p_provider text, p_token jsonb, p_key text,
                                       OUT outcome text, OUT moved_from text)
LANGUAGE plpgsql AS $$
DECLARE
  v_previous_key text;
  v_previous_provider text;
BEGIN
  SELECT push_token_key, push_provider INTO v_previous_key, v_previous_provider
    FROM devices WHERE device_id = p_device AND user_id = p_user AND revoked_at IS NULL FOR UPDATE;
  IF NOT FOUND THEN
    outcome := 'revoked';
    RETURN;
  END IF;
  UPDATE devices SET push_provider = NULL, push_token = NULL, push_token_key = NULL, push_token_at = NULL
   WHERE push_provider = p_provider AND push_token_key = p_key AND device_id <> p_device
  RETURNING device_id INTO moved_from;
  IF moved_from IS NOT NULL THEN
    DELETE FROM push_outbox WHERE device_id = moved_from AND state = 'pending';
  END IF;
  UPDATE devices SET push_provider = p_provider, push_token = p_token, push_token_key = p_key, push_token_at = now()
   WHERE device_id = p_device;
  outcome := CASE
    WHEN moved_from IS NOT NULL THEN 'moved'
    WHEN v_previous_key IS NULL THEN 'registered'
    WHEN v_previous_key = p_key AND v_previous_provider = p_provider THEN 'unchanged'
    ELSE 'replaced' END;
END;
$$;

-- Folds a push into each device's pending one, or adds it. p_seqs gives, per device, the user-log position
-- of the message (NULL for a badge update). A message replaces the pending content only when it is newer
-- (a higher seq), so the newest message is the one shown however the enqueues of a burst interleave; an
-- older one only adds to the count. A badge update leaves a pending message alone, unless that message's
-- conversation has just been read to the end, in which case the pending push becomes a badge update.
-- A message its recipient has already read (on another device, before this enqueue ran) is not pushed.
-- p_due may be a later step of the push ladder: the folded push is due at the earlier of the two times,
-- except that a badge update does not bring forward a message waiting for its step (it waits with it).
DROP FUNCTION IF EXISTS lockstep_push_enqueue(text[], text, text, bigint, text, text, text, timestamptz, boolean);
CREATE OR REPLACE FUNCTION lockstep_push_enqueue(p_devices text[], p_seqs bigint[], p_kind text, p_conversation text,
                                      p_conv_seq bigint, p_sender text, p_title text, p_body text, p_due timestamptz,
                                      p_conversation_read boolean)
RETURNS TABLE (device_id text, coalesced boolean)
LANGUAGE sql AS $$
  INSERT INTO push_outbox AS o (user_id, device_id, provider, kind, conversation_id, conv_seq, seq, sender_user, title,
                                body, due_at)
  SELECT d.user_id, d.device_id, d.push_provider, p_kind, p_conversation, p_conv_seq, t.seq, p_sender, p_title, p_body,
         p_due
    FROM unnest(p_devices, p_seqs) AS t (device_id, seq)
    JOIN devices d ON d.device_id = t.device_id
   WHERE d.push_token IS NOT NULL AND d.revoked_at IS NULL
     AND (p_kind <> 'message' OR NOT EXISTS (
           SELECT 1 FROM conversation_members cm
            WHERE cm.conversation_id = p_conversation AND cm.user_id = d.user_id AND cm.read_up_to >= p_conv_seq))
  ON CONFLICT (device_id) WHERE state = 'pending' DO UPDATE SET
    provider        = EXCLUDED.provider,
    kind            = CASE WHEN EXCLUDED.kind = 'message' AND (EXCLUDED.seq > o.seq) IS NOT FALSE THEN 'message'
                           WHEN EXCLUDED.kind = 'badge' AND o.kind = 'message'
                                AND o.conversation_id = EXCLUDED.conversation_id AND p_conversation_read
                             THEN 'badge'
                           ELSE o.kind END,
    conversation_id = CASE WHEN EXCLUDED.kind = 'message' AND (EXCLUDED.seq > o.seq) IS NOT FALSE
                             OR EXCLUDED.kind = 'badge' AND (o.kind = 'badge'
                                  OR o.conversation_id = EXCLUDED.conversation_id AND p_conversation_read)
                           THEN EXCLUDED.conversation_id ELSE o.conversation_id END,
    conv_seq        = CASE WHEN EXCLUDED.kind = 'message' AND (EXCLUDED.seq > o.seq) IS NOT FALSE
                           THEN EXCLUDED.conv_seq ELSE o.conv_seq END,
    seq             = CASE WHEN EXCLUDED.kind = 'message' AND (EXCLUDED.seq > o.seq) IS NOT FALSE
                           THEN EXCLUDED.seq ELSE o.seq END,
    sender_user     = CASE WHEN EXCLUDED.kind = 'message' AND (EXCLUDED.seq > o.seq) IS NOT FALSE
                           THEN EXCLUDED.sender_user ELSE o.sender_user END,
    title           = CASE WHEN EXCLUDED.kind = 'message' AND (EXCLUDED.seq > o.seq) IS NOT FALSE
                           THEN EXCLUDED.title ELSE o.title END,
    body            = CASE WHEN EXCLUDED.kind = 'message' AND (EXCLUDED.seq > o.seq) IS NOT FALSE
                           THEN EXCLUDED.body ELSE o.body END,
    due_at          = CASE WHEN EXCLUDED.kind = 'badge' AND o.kind = 'message'
                                AND NOT (o.conversation_id = EXCLUDED.conversation_id AND p_conversation_read)
                           THEN o.due_at ELSE LEAST(o.due_at, EXCLUDED.due_at) END,
    coalesced       = o.coalesced + 1,
    updated_at      = now()
  RETURNING o.device_id, o.coalesced > 1
$$;

-- A push whose attempt should be repeated: back to pending at p_due, or, when the device got another
-- pending push meanwhile, folded into that one: its message replaces a pending badge update (a message is
-- never downgraded to one) or an older pending message, as lockstep_push_enqueue would have done.
CREATE OR REPLACE FUNCTION lockstep_push_retry(p_id bigint, p_due timestamptz, p_error text)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  v_row push_outbox;
BEGIN
  SELECT * INTO v_row FROM push_outbox WHERE id = p_id AND state = 'sending' FOR UPDATE;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  UPDATE push_outbox p SET
      kind = 'message', conversation_id = v_row.conversation_id, conv_seq = v_row.conv_seq, seq = v_row.seq,
      sender_user = v_row.sender_user, title = v_row.title, body = v_row.body,
      coalesced = p.coalesced + v_row.coalesced
   WHERE p.device_id = v_row.device_id AND p.state = 'pending' AND v_row.kind = 'message'
     AND (v_row.seq > p.seq) IS NOT FALSE AND (p.kind = 'badge' OR v_row.seq > p.seq);
  PERFORM 1 FROM push_outbox p WHERE p.device_id = v_row.device_id AND p.state = 'pending';
  IF FOUND THEN
    DELETE FROM push_outbox WHERE id = p_id;
  ELSE
    UPDATE push_outbox SET state = 'pending', due_at = p_due, last_error = p_error, updated_at = now() WHERE id = p_id;
  END IF;
END;
$$;
