-- 0005-outbox-files.sql - large messages kept in files, and DSN requests.

-- A message too large to hold in memory (an extract with its attachments,
-- a report) is written to VAR/outbox-data/<token>.eml and named here; body
-- is then empty. The sender maps the file and removes it once done.
ALTER TABLE outbox ADD COLUMN body_file TEXT;

-- When set, the relay is asked for delivery status notifications
-- (RFC 3461: ENVID=dsn_envid, NOTIFY=SUCCESS,FAILURE,DELAY).
ALTER TABLE outbox ADD COLUMN dsn_envid TEXT;

CREATE INDEX outbox_env_from ON outbox(env_from);
