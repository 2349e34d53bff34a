-- 0010-evidence.sql - what a POC's lifecycle needs beyond 0008: the health
-- of each POC address (robot/pings.c), outbox rows cancelled when their
-- POC is withdrawn (robot/outbox.c), and notices held to be merged
-- (robot/notice-hold.c).

-- One row per POC address the robot learned something about. An address
-- is undeliverable from a hard bounce, or from soft bounces in
-- PINGS_SOFT_ROUNDS consecutive rounds; a person's answer to a ping sent
-- to it clears the mark. told: when the State's authority signers were
-- told it is dead (once per mark). A row whose address the POC no longer
-- has means nothing and is removed when the POC changes.
CREATE TABLE address_health (
	poc TEXT NOT NULL REFERENCES pocs(id),
	address TEXT NOT NULL COLLATE NOCASE,
	undeliverable INTEGER,			-- since (seconds since the epoch), NULL: deliverable
	status TEXT,				-- the DSN status that marked it: '5.1.1'
	diagnostic TEXT,
	soft_rounds INTEGER NOT NULL DEFAULT 0,	-- consecutive rounds whose ping soft-bounced
	soft_last INTEGER,			-- the last of those rounds
	told INTEGER,				-- when the State was told, NULL: not yet
	PRIMARY KEY (poc, address)
);

-- The outbox with one more state: 'cancelled' (a withdrawn POC's pings
-- and reminders not yet sent). SQLite cannot change a CHECK: the table
-- is copied.
CREATE TABLE outbox_new (
	id INTEGER PRIMARY KEY,
	token TEXT NOT NULL UNIQUE,
	message INTEGER REFERENCES messages(id),
	purpose TEXT NOT NULL,
	env_from TEXT NOT NULL,
	rcpt TEXT NOT NULL,
	body BLOB NOT NULL,
	created INTEGER NOT NULL,
	state TEXT NOT NULL DEFAULT 'queued'
		CHECK (state IN ('queued', 'sent', 'failed', 'cancelled')),
	attempts INTEGER NOT NULL DEFAULT 0,
	next_try INTEGER NOT NULL,
	done INTEGER,
	last_error TEXT,
	body_file TEXT,
	dsn_envid TEXT
);
INSERT INTO outbox_new (id, token, message, purpose, env_from, rcpt, body, created, state,
	attempts, next_try, done, last_error, body_file, dsn_envid)
	SELECT id, token, message, purpose, env_from, rcpt, body, created, state,
	attempts, next_try, done, last_error, body_file, dsn_envid FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox(state, next_try);
CREATE INDEX outbox_rcpt ON outbox(rcpt, purpose, created);
CREATE INDEX outbox_env_from ON outbox(env_from);

-- Notices held to be merged: one kind to one signer about one State,
-- falling due within [notices] coalesce of the first, go as one message
-- at due (the first's arrival + coalesce). Rendered in the signer's
-- language when held; removed when queued.
CREATE TABLE notices_held (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL,
	signer TEXT NOT NULL,			-- the recipient's fingerprint
	state TEXT NOT NULL,
	due INTEGER NOT NULL,
	created INTEGER NOT NULL,
	rcpt TEXT NOT NULL,
	protocol INTEGER NOT NULL,		-- enum crypto_protocol it is signed in
	enc_key TEXT NOT NULL,			-- the fingerprint it is encrypted to
	purpose TEXT NOT NULL,
	seed TEXT NOT NULL,
	subject TEXT NOT NULL,
	body TEXT NOT NULL
);
CREATE INDEX notices_held_due ON notices_held(due);

-- The addresses a round did not ping because they were undeliverable,
-- for its report: "skipped: undeliverable since DATE (STATUS)".
CREATE TABLE ping_skips (
	round INTEGER NOT NULL REFERENCES ping_rounds(id),
	poc TEXT NOT NULL REFERENCES pocs(id),
	address TEXT NOT NULL,
	since INTEGER NOT NULL,
	status TEXT,
	PRIMARY KEY (round, poc, address)
);
