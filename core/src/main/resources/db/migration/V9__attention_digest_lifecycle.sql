-- Attention-aware pushes, a state digest every device can check, and the device lifecycle.

-- The user's state digest: the sum, modulo 2^64, of one hash per item of the state every device keeps
-- (the read state of each conversation that is not a stream, and the version of each account setting).
-- Order-independent, so a change moves it by hash(new item) - hash(old item); the triggers below keep it
-- in the transaction of every change, and the read_state and settings events carry it.
ALTER TABLE users ADD COLUMN state_digest bigint NOT NULL DEFAULT 0;

-- What a device said of its user's attention (focused, background, idle) and when; when it was last
-- focused (the push ladder's order); its last ack; a pending unlink after drain; divergences it reported.
ALTER TABLE devices
  ADD COLUMN attention          text CHECK (attention IN ('focused', 'background', 'idle')),
  ADD COLUMN attention_at       timestamptz,
  ADD COLUMN last_attentive_at  timestamptz,
  ADD COLUMN last_ack_at        timestamptz,
  ADD COLUMN drain_up_to        bigint,
  ADD COLUMN drain_deadline     timestamptz,
  ADD COLUMN divergences        integer NOT NULL DEFAULT 0,
  ADD COLUMN last_divergence_at timestamptz;
CREATE INDEX devices_draining ON devices (drain_deadline) WHERE drain_up_to IS NOT NULL AND revoked_at IS NULL;

-- The conversations whose message a device showed as a visible notification, up to which conv_seq: a
-- read past it sends that device a dismiss.
CREATE TABLE push_shown (
  device_id       text NOT NULL,
  conversation_id text NOT NULL,
  conv_seq        bigint NOT NULL,
  shown_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (device_id, conversation_id)
);

-- The sweep's two questions, each answered from an index: devices idle since (no hello nor live
-- connection, which refreshes last_seen_at), and push tokens not registered again since.
CREATE INDEX devices_last_seen ON devices (greatest(last_seen_at, created_at)) WHERE revoked_at IS NULL;
CREATE INDEX devices_push_token_at ON devices (push_token_at) WHERE push_token_at IS NOT NULL AND revoked_at IS NULL;

-- One item's hash: the first 8 bytes of SHA-256 of its UTF-8 text, as a signed 64-bit value (the sum is
-- taken modulo 2^64, so the sign does not matter). These run inside every read and send: they are
-- PL/pgSQL, which is several times cheaper per call here than SQL functions that cannot be inlined.
CREATE FUNCTION lockstep_digest_hash(p_item text)
RETURNS bigint
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
  RETURN ('x' || encode(substring(sha256(convert_to(p_item, 'UTF8')) FROM 1 FOR 8), 'hex'))::bit(64)::bigint;
END;
$$;

-- A conversation's read state as a digest item: 'read', id, read_up_to, marked (1/0), joined by newlines.
-- The default state (nothing read, not marked) contributes nothing.
CREATE FUNCTION lockstep_read_item(p_conversation text, p_read_up_to bigint, p_marked boolean)
RETURNS bigint
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
  IF p_read_up_to > 0 OR p_marked THEN
    RETURN lockstep_digest_hash('read' || E'\n' || p_conversation || E'\n' || p_read_up_to::text || E'\n'
                                || CASE WHEN p_marked THEN '1' ELSE '0' END);
  END IF;
  RETURN 0;
END;
$$;

CREATE FUNCTION lockstep_setting_item(p_key text, p_version bigint)
RETURNS bigint
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
  RETURN lockstep_digest_hash('setting' || E'\n' || p_key || E'\n' || p_version::text);
END;
$$;

-- digest + delta modulo 2^64, kept as a signed bigint (delta may be any sum or difference of items).
CREATE FUNCTION lockstep_digest_plus(p_digest bigint, p_delta numeric)
RETURNS bigint
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  v_sum numeric := mod(p_digest::numeric + p_delta, 18446744073709551616);
BEGIN
  IF v_sum < 0 THEN
    v_sum := v_sum + 18446744073709551616;
  END IF;
  IF v_sum >= 9223372036854775808 THEN
    v_sum := v_sum - 18446744073709551616;
  END IF;
  RETURN v_sum::bigint;
END;
$$;

-- The digest as clients see it: 16 lowercase hex digits of the unsigned value.
CREATE FUNCTION lockstep_digest_hex(p_digest bigint)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT lpad(to_hex(p_digest), 16, '0')
$$;

-- Keeps users.state_digest in step with conversation_members: a row trigger, fired only when the read
-- state is in the statement (UPDATE OF) and actually changed (WHEN, checked without calling the
-- function), adds hash(new item) - hash(old item) to the member's row unless the conversation is a
-- stream. Acks (delivered_up_to), stream starts and new memberships at their default fire nothing.
CREATE FUNCTION lockstep_member_digest()
RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  v_conversation text := CASE WHEN TG_OP = 'DELETE' THEN OLD.conversation_id ELSE NEW.conversation_id END;
  v_user text := CASE WHEN TG_OP = 'DELETE' THEN OLD.user_id ELSE NEW.user_id END;
  v_delta numeric := 0;
BEGIN
  IF TG_OP <> 'DELETE' THEN
    v_delta := lockstep_read_item(NEW.conversation_id, NEW.read_up_to, NEW.marked_unread)::numeric;
  END IF;
  IF TG_OP <> 'INSERT' THEN
    v_delta := v_delta - lockstep_read_item(OLD.conversation_id, OLD.read_up_to, OLD.marked_unread)::numeric;
  END IF;
  UPDATE users u SET state_digest = lockstep_digest_plus(u.state_digest, v_delta)
   WHERE u.user_id = v_user
     AND EXISTS (SELECT 1 FROM conversations c WHERE c.conversation_id = v_conversation AND c.stream_from IS NULL);
  RETURN NULL;
END;
$$;

CREATE TRIGGER conversation_members_digest_insert AFTER INSERT ON conversation_members
  FOR EACH ROW WHEN (NEW.read_up_to > 0 OR NEW.marked_unread) EXECUTE FUNCTION lockstep_member_digest();
-- lockstep_send moves the sender's cursor with the digest change folded into its counter update, and says
-- so with the transaction-local setting lockstep.digest = 'inline' around its membership update.
CREATE TRIGGER conversation_members_digest_update AFTER UPDATE OF read_up_to, marked_unread ON conversation_members
  FOR EACH ROW WHEN ((OLD.read_up_to IS DISTINCT FROM NEW.read_up_to OR OLD.marked_unread IS DISTINCT FROM NEW.marked_unread)
                     AND current_setting('lockstep.digest', true) IS DISTINCT FROM 'inline')
  EXECUTE FUNCTION lockstep_member_digest();
CREATE TRIGGER conversation_members_digest_delete AFTER DELETE ON conversation_members
  FOR EACH ROW WHEN (OLD.read_up_to > 0 OR OLD.marked_unread) EXECUTE FUNCTION lockstep_member_digest();

-- The same for account settings: an item per key, its version.
CREATE FUNCTION lockstep_setting_digest()
RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  v_delta numeric := 0;
BEGIN
  IF TG_OP <> 'DELETE' THEN
    v_delta := lockstep_setting_item(NEW.key, NEW.version)::numeric;
  END IF;
  IF TG_OP <> 'INSERT' THEN
    v_delta := v_delta - lockstep_setting_item(OLD.key, OLD.version)::numeric;
  END IF;
  UPDATE users u SET state_digest = lockstep_digest_plus(u.state_digest, v_delta)
   WHERE u.user_id = CASE WHEN TG_OP = 'DELETE' THEN OLD.user_id ELSE NEW.user_id END;
  RETURN NULL;
END;
$$;

CREATE TRIGGER account_settings_digest AFTER INSERT OR DELETE OR UPDATE OF key, version ON account_settings
  FOR EACH ROW EXECUTE FUNCTION lockstep_setting_digest();

-- A conversation that becomes a stream leaves its members' digests (ConversationStore subtracts their
-- items in the transaction that converts it; the 'converted' event tells their devices to do the same).
CREATE FUNCTION lockstep_leave_digests(p_conversation text)
RETURNS void
LANGUAGE sql AS $$
  UPDATE users u SET state_digest = lockstep_digest_plus(u.state_digest, -d.delta)
    FROM (SELECT m.user_id, sum(lockstep_read_item(m.conversation_id, m.read_up_to, m.marked_unread)) AS delta
            FROM conversation_members m
           WHERE m.conversation_id = p_conversation AND (m.read_up_to > 0 OR m.marked_unread)
           GROUP BY m.user_id) d
   WHERE u.user_id = d.user_id
$$;

-- Existing state, digested once.
UPDATE users u SET state_digest = lockstep_digest_plus(0, coalesce(d.total, 0))
  FROM (SELECT x.user_id, sum(x.item) AS total FROM (
          SELECT m.user_id, lockstep_read_item(m.conversation_id, m.read_up_to, m.marked_unread) AS item
            FROM conversation_members m JOIN conversations c ON c.conversation_id = m.conversation_id
           WHERE c.stream_from IS NULL
          UNION ALL
          SELECT s.user_id, lockstep_setting_item(s.key, s.version) FROM account_settings s) x
        GROUP BY x.user_id) d
 WHERE u.user_id = d.user_id;
