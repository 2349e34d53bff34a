-- 0014-poc-keys.sql - the keys of the POCs' addresses (robot/poc-keys.c):
-- an OpenPGP public key or an S/MIME certificate (with its chain) per
-- address, given in a NOMINATE or UPDATE form, encrypted to by pings,
-- given out with lookups, extracts and exports. The key material lives
-- here; VAR/poc-keys, the GnuPG home the robot encrypts to POCs from, is
-- filled from it (a POC key never verifies a signer: that home is not the
-- robot's). And what the pings need to prove a key: the proof code sent
-- only inside the encrypted body, and the key it was encrypted to.

CREATE TABLE poc_keys (
	poc TEXT NOT NULL REFERENCES pocs(id),
	address TEXT NOT NULL,		-- one of the POC's poc_emails.address, as written
	protocol TEXT NOT NULL CHECK (protocol IN ('openpgp', 'smime')),
	fingerprint TEXT NOT NULL,	-- upper-case hex: primary key, or certificate (SHA-1)
	expires INTEGER,		-- seconds since the epoch, NULL: never
	data TEXT NOT NULL,		-- the armoured public key, or the PEM certificate then
					-- its chain up to the root
	added INTEGER NOT NULL,		-- when the form put it on record
	proven INTEGER,			-- when a reply quoted a ping's proof code encrypted to it
	PRIMARY KEY (poc, address)
);
CREATE INDEX poc_keys_by_expiry ON poc_keys(expires);

ALTER TABLE pings ADD COLUMN proof TEXT;	-- the proof code, only inside the encrypted body
ALTER TABLE pings ADD COLUMN key TEXT;		-- the fingerprint the ping was encrypted to
