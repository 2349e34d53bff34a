-- 0012-audit-redaction.sql - the audit trail's hash version 2 (robot/audit.c)
-- and retention (robot/timer-retention.c).
--
-- A version-2 event is chained over the SHA-256 of its detail (detail_hash)
-- instead of the detail itself, so that retention may replace the detail of
-- a withdrawn POC's events with {"redacted": "YYYY-MM-DD"} and the chain
-- still verifies. The events written before this migration keep version 1
-- (chained over their detail): they verify as before and are never
-- redacted. A version-1 event after a version-2 one is a broken chain.
ALTER TABLE events ADD COLUMN hash_version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE events ADD COLUMN detail_hash TEXT;		-- version 2: SHA-256 (hex) of detail

-- Append-only still, but for one change: a version-2 event's detail
-- replaced by the redaction mark, everything else (its hash and
-- detail_hash included) as it was.
DROP TRIGGER events_no_update;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
WHEN NOT (OLD.hash_version = 2 AND NEW.hash_version = 2 AND NEW.id = OLD.id
	AND NEW.at = OLD.at AND NEW.actor = OLD.actor AND NEW.state IS OLD.state
	AND NEW.action = OLD.action AND NEW.prev_hash = OLD.prev_hash AND NEW.hash = OLD.hash
	AND NEW.detail_hash IS OLD.detail_hash AND OLD.detail_hash IS NOT NULL
	AND NEW.detail GLOB '{"redacted": "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"}')
BEGIN
	SELECT RAISE(ABORT, 'the audit trail is append-only: events cannot be changed');
END;

-- Withdrawn POCs whose personal fields retention cleared (robot/pocs.c):
-- when, so that each is cleared and audited once.
ALTER TABLE pocs ADD COLUMN redacted INTEGER;
