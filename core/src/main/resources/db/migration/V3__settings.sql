-- Settings: account-scoped values (account_settings, created with read state) gain the conflict
-- policy's own state; device-scoped values live in device_settings, one row per device and key, and
-- are never written by account sync.

ALTER TABLE account_settings ADD COLUMN state jsonb;

CREATE TABLE device_settings (
  device_id  text NOT NULL REFERENCES devices (device_id),
  user_id    text NOT NULL REFERENCES users (user_id),
  key        text NOT NULL,
  value      jsonb NOT NULL,
  version    bigint NOT NULL DEFAULT 1,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (device_id, key)
);
CREATE INDEX device_settings_by_user_key ON device_settings (user_id, key);
