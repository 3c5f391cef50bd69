-- The size of each message body as JSON text, kept with the message, so that a page of the log or of
-- a conversation can be cut at a byte budget without reading the bodies it leaves out.
-- (Adding a stored generated column rewrites the table once.)
ALTER TABLE messages ADD COLUMN body_bytes integer GENERATED ALWAYS AS (octet_length(body::text)) STORED;
