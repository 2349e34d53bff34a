-- 0009-custodians.sql - custodians belong to no State (issue 15): a
-- signer's State becomes optional, and only a custodian may have none.
-- SQLite cannot drop a NOT NULL, so the table is made again with its data,
-- its index and the column 0008 added (no table refers to signers and no
-- trigger is on it). Custodians enrolled under a State before keep it:
-- they still act for any State, and their State's notices keep reaching
-- them until the custodian enrols them again without one.
CREATE TABLE signers_new (
	id INTEGER PRIMARY KEY,
	protocol TEXT NOT NULL CHECK (protocol IN ('openpgp', 'smime')),
	fingerprint TEXT NOT NULL UNIQUE	-- primary key (OpenPGP), SHA-1 (S/MIME); upper-case hex
		CHECK (length(fingerprint) BETWEEN 40 AND 64 AND fingerprint NOT GLOB '*[^0-9A-F]*'),
	enc_fingerprint TEXT			-- S/MIME: the certificate to encrypt to
		CHECK (enc_fingerprint IS NULL OR (length(enc_fingerprint) BETWEEN 40 AND 64
			AND enc_fingerprint NOT GLOB '*[^0-9A-F]*')),
	state TEXT REFERENCES states(code),	-- NULL: a custodian, of no State
	role TEXT NOT NULL CHECK (role IN ('authority', 'reader', 'custodian')),
	label TEXT,				-- the custodian's note: who this is
	email TEXT,				-- the key's first e-mail address
	added INTEGER NOT NULL,			-- seconds since the epoch, from the clock
	revoked INTEGER,			-- when revoked, else NULL
	revoke_reason TEXT,
	lang TEXT NOT NULL DEFAULT 'en',	-- the language the signer is written to
	CHECK ((revoked IS NULL) = (revoke_reason IS NULL)),
	CHECK (state IS NOT NULL OR role = 'custodian')
);
INSERT INTO signers_new (id, protocol, fingerprint, enc_fingerprint, state, role, label, email,
	added, revoked, revoke_reason, lang)
	SELECT id, protocol, fingerprint, enc_fingerprint, state, role, label, email,
		added, revoked, revoke_reason, lang FROM signers;
DROP TABLE signers;
ALTER TABLE signers_new RENAME TO signers;
CREATE INDEX signers_by_state ON signers(state);
