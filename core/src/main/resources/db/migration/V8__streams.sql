-- Large conversations are streams (fan-out on read): a message of a stream is written once, to the
-- conversation, and each member device reads the conversation with a durable position of its own.

-- stream_from: the first conv_seq that went only to the stream (NULL: a small conversation, whose
-- messages are copied into every member's log). member_count: kept by every membership change.
ALTER TABLE conversations ADD COLUMN stream_from bigint;
ALTER TABLE conversations ADD COLUMN member_count integer NOT NULL DEFAULT 0;
UPDATE conversations c SET member_count = (SELECT count(*) FROM conversation_members m
                                            WHERE m.conversation_id = c.conversation_id);

-- Where the member's devices start reading the stream when they have no position of their own: the
-- conversation's head when the member joined the stream or the conversation became one.
ALTER TABLE conversation_members ADD COLUMN stream_start bigint;

-- A device's position in a stream: the last conv_seq it acknowledged there. Moves only on its ack.
CREATE TABLE stream_positions (
  device_id       text NOT NULL REFERENCES devices (device_id),
  conversation_id text NOT NULL REFERENCES conversations (conversation_id),
  position        bigint NOT NULL,
  PRIMARY KEY (device_id, conversation_id)
);
CREATE INDEX stream_positions_by_conversation ON stream_positions (conversation_id);
