-- 0003-signers.sql - the keys and certificates enrolled for each State, the
-- signatures already accepted (the replay guard), and the audit trail.

-- A signer: one OpenPGP key or one S/MIME certificate, enrolled for one
-- participating State with one role. Revoked signers stay, marked.
CREATE TABLE signers (
	id INTEGER PRIMARY KEY,
	protocol TEXT NOT NULL CHECK (protocol IN ('openpgp', 'smime')),
	fingerprint TEXT NOT NULL UNIQUE	-- primary key (OpenPGP), SHA-1 (S/MIME); upper-case hex
		CHECK (length(fingerprint) BETWEEN 40 AND 64 AND fingerprint NOT GLOB '*[^0-9A-F]*'),
	enc_fingerprint TEXT			-- S/MIME: the certificate to encrypt to
		CHECK (enc_fingerprint IS NULL OR (length(enc_fingerprint) BETWEEN 40 AND 64
			AND enc_fingerprint NOT GLOB '*[^0-9A-F]*')),
	state TEXT NOT NULL REFERENCES states(code),
	role TEXT NOT NULL CHECK (role IN ('authority', 'reader', 'custodian')),
	label TEXT,				-- the custodian's note: who this is
	email TEXT,				-- the key's first e-mail address
	added INTEGER NOT NULL,			-- seconds since the epoch, from the clock
	revoked INTEGER,			-- when revoked, else NULL
	revoke_reason TEXT,
	CHECK ((revoked IS NULL) = (revoke_reason IS NULL))
);
CREATE INDEX signers_by_state ON signers(state);

-- Each signature is accepted once: the replay key is the SHA-256 of the
-- signature and the content it signs; message_hash names the message that
-- used it first.
CREATE TABLE seen_signatures (
	replay_key TEXT PRIMARY KEY,
	message_hash TEXT NOT NULL,
	seen INTEGER NOT NULL
);

-- The audit trail: append-only and hash-chained (robot/audit.c). Each
-- row's hash covers the previous row's hash and the row's own fields, so an
-- edited, removed or inserted row breaks the chain. AUTOINCREMENT keeps ids
-- contiguous and never reused, so a removed last row shows too.
CREATE TABLE events (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	at INTEGER NOT NULL,			-- seconds since the epoch, from the clock
	actor TEXT NOT NULL,			-- custodian, a signer's fingerprint, robot
	state TEXT,				-- the State it concerns, or NULL
	action TEXT NOT NULL,			-- signer-add, signer-revoke, ...
	detail TEXT,
	prev_hash TEXT NOT NULL,
	hash TEXT NOT NULL
);
CREATE INDEX events_by_state ON events(state, id);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
	SELECT RAISE(ABORT, 'the audit trail is append-only: events cannot be changed');
END;

CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
	SELECT RAISE(ABORT, 'the audit trail is append-only: events cannot be deleted');
END;
