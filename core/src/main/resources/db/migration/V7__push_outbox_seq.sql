-- The user-log position (seq) of the message a pending push shows. Enqueues of one user's messages can
-- arrive out of order; a message replaces the shown one only when its seq is higher, so a coalesced push
-- always shows the newest message. NULL for badge updates and for rows queued before this column.
ALTER TABLE push_outbox ADD COLUMN seq bigint;
