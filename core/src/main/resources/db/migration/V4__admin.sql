-- The operators' console: an audit log of every admin action (who, what, when), kept in PostgreSQL.
CREATE TABLE admin_audit (
  id      bigserial PRIMARY KEY,
  at      timestamptz NOT NULL DEFAULT now(),
  actor   text NOT NULL,
  action  text NOT NULL,
  target  text,
  details jsonb,
  node    text
);
CREATE INDEX admin_audit_by_time ON admin_audit (at DESC);
