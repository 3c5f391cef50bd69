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

-- A message push may wait for a later step of the ladder: due_at is then that step's time.
ALTER TABLE push_outbox ADD COLUMN step integer NOT NULL DEFAULT 0;

-- One item's hash: the first 8 bytes of SHA-256 of its UTF-8 text, as a signed 64-bit value (the sum is
-- taken modulo 2^64, so the sign does not matter).
CREATE FUNCTION lockstep_digest_hash(p_item text)
RETURNS numeric
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT ('x' || encode(substring(sha256(convert_to(p_item, 'UTF8')) FROM 1 FOR 8), 'hex'))::bit(64)::bigint::numeric
$$;

-- A conversation's read state as a digest item: 'read', id, read_up_to, marked (1/0), joined by newlines.
-- The default state (nothing read, not marked) contributes nothing.
CREATE FUNCTION lockstep_read_item(p_conversation text, p_read_up_to bigint, p_marked boolean)
RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN p_read_up_to > 0 OR p_marked
              THEN lockstep_digest_hash('read' || E'\n' || p_conversation || E'\n' || p_read_up_to || E'\n'
                                        || CASE WHEN p_marked THEN '1' ELSE '0' END)
              ELSE 0 END
$$;

CREATE FUNCTION lockstep_setting_item(p_key text, p_version bigint)
RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT lockstep_digest_hash('setting' || E'\n' || p_key || E'\n' || p_version)
$$;

-- digest + delta modulo 2^64, kept as a signed bigint.
CREATE FUNCTION lockstep_digest_plus(p_digest bigint, p_delta numeric)
RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT (CASE WHEN s >= 9223372036854775808 THEN s - 18446744073709551616 ELSE s END)::bigint
    FROM (SELECT mod(mod(p_digest::numeric + p_delta, 18446744073709551616) + 18446744073709551616,
                     18446744073709551616) AS s) t
$$;

-- The digest as clients see it: 16 lowercase hex digits of the unsigned value.
CREATE FUNCTION lockstep_digest_hex(p_digest bigint)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT lpad(to_hex(p_digest), 16, '0')
$$;

-- Keeps users.state_digest in step with conversation_members. One statement-level trigger per
-- operation (transition tables allow no more); each adds, per user, the hashes of the new items minus
-- those of the old, for conversations that are not streams. Rows whose read state did not change
-- (an ack moving delivered_up_to) add nothing and touch no user row.
CREATE FUNCTION lockstep_members_digest()
RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE users u SET state_digest = lockstep_digest_plus(u.state_digest, d.delta)
      FROM (SELECT n.user_id, sum(lockstep_read_item(n.conversation_id, n.read_up_to, n.marked_unread)) AS delta
              FROM new_rows n JOIN conversations c ON c.conversation_id = n.conversation_id
             WHERE c.stream_from IS NULL AND (n.read_up_to > 0 OR n.marked_unread)
             GROUP BY n.user_id) d
     WHERE u.user_id = d.user_id;
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE users u SET state_digest = lockstep_digest_plus(u.state_digest, -d.delta)
      FROM (SELECT o.user_id, sum(lockstep_read_item(o.conversation_id, o.read_up_to, o.marked_unread)) AS delta
              FROM old_rows o JOIN conversations c ON c.conversation_id = o.conversation_id
             WHERE c.stream_from IS NULL AND (o.read_up_to > 0 OR o.marked_unread)
             GROUP BY o.user_id) d
     WHERE u.user_id = d.user_id;
  ELSE
    UPDATE users u SET state_digest = lockstep_digest_plus(u.state_digest, d.delta)
      FROM (SELECT n.user_id, sum(lockstep_read_item(n.conversation_id, n.read_up_to, n.marked_unread)
                                  - lockstep_read_item(o.conversation_id, o.read_up_to, o.marked_unread)) AS delta
              FROM new_rows n
              JOIN old_rows o ON o.conversation_id = n.conversation_id AND o.user_id = n.user_id
              JOIN conversations c ON c.conversation_id = n.conversation_id
             WHERE c.stream_from IS NULL
               AND (o.read_up_to, o.marked_unread) IS DISTINCT FROM (n.read_up_to, n.marked_unread)
             GROUP BY n.user_id) d
     WHERE u.user_id = d.user_id;
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER conversation_members_digest_insert AFTER INSERT ON conversation_members
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION lockstep_members_digest();
CREATE TRIGGER conversation_members_digest_update AFTER UPDATE ON conversation_members
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION lockstep_members_digest();
CREATE TRIGGER conversation_members_digest_delete AFTER DELETE ON conversation_members
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION lockstep_members_digest();

-- The same for account settings: an item per key, its version.
CREATE FUNCTION lockstep_settings_digest()
RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE users u SET state_digest = lockstep_digest_plus(u.state_digest, d.delta)
      FROM (SELECT n.user_id, sum(lockstep_setting_item(n.key, n.version)) AS delta FROM new_rows n GROUP BY n.user_id) d
     WHERE u.user_id = d.user_id;
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE users u SET state_digest = lockstep_digest_plus(u.state_digest, -d.delta)
      FROM (SELECT o.user_id, sum(lockstep_setting_item(o.key, o.version)) AS delta FROM old_rows o GROUP BY o.user_id) d
     WHERE u.user_id = d.user_id;
  ELSE
    UPDATE users u SET state_digest = lockstep_digest_plus(u.state_digest, d.delta)
      FROM (SELECT n.user_id, sum(lockstep_setting_item(n.key, n.version) - lockstep_setting_item(o.key, o.version)) AS delta
              FROM new_rows n JOIN old_rows o ON o.user_id = n.user_id AND o.key = n.key
             WHERE o.version <> n.version
             GROUP BY n.user_id) d
     WHERE u.user_id = d.user_id;
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER account_settings_digest_insert AFTER INSERT ON account_settings
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION lockstep_settings_digest();
CREATE TRIGGER account_settings_digest_update AFTER UPDATE ON account_settings
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION lockstep_settings_digest();
CREATE TRIGGER account_settings_digest_delete AFTER DELETE ON account_settings
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION lockstep_settings_digest();

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
