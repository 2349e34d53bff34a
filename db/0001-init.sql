-- 0001-init.sql - messages taken in, mail to send, and the spool's failures.

-- One row per message processed: the key that makes processing idempotent.
CREATE TABLE messages (
	id INTEGER PRIMARY KEY,
	hash TEXT NOT NULL UNIQUE,		-- SHA-256 (hex) of envelope and content
	spool_id TEXT NOT NULL,
	message_id TEXT,			-- the Message-ID header, bounded
	sender TEXT NOT NULL,			-- envelope sender, '' for <>
	recipients TEXT NOT NULL,		-- envelope recipients, space-separated
	received INTEGER NOT NULL,		-- seconds since the epoch, from the clock
	kind TEXT NOT NULL,			-- command, bounce, autoreply, loop, refused
	outcome TEXT NOT NULL,			-- answered, silent, rate-limited, ...
	reason TEXT
);

-- Every message the robot sends, written in the transaction that decided it.
CREATE TABLE outbox (
	id INTEGER PRIMARY KEY,
	token TEXT NOT NULL UNIQUE,		-- in the Message-ID, VERP sender and Maildir name
	message INTEGER REFERENCES messages(id),
	purpose TEXT NOT NULL,			-- help, form, notice, ...
	env_from TEXT NOT NULL,
	rcpt TEXT NOT NULL,
	body BLOB NOT NULL,
	created INTEGER NOT NULL,
	state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'failed')),
	attempts INTEGER NOT NULL DEFAULT 0,
	next_try INTEGER NOT NULL,
	done INTEGER,				-- when sent or given up
	last_error TEXT
);
CREATE INDEX outbox_due ON outbox(state, next_try);
CREATE INDEX outbox_rcpt ON outbox(rcpt, purpose, created);

-- Spool entries whose processing failed; MAX_ATTEMPTS failures quarantine one.
CREATE TABLE spool_failures (
	spool_id TEXT PRIMARY KEY,
	attempts INTEGER NOT NULL,
	last_error TEXT,
	updated INTEGER NOT NULL
);
