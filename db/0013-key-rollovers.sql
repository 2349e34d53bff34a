-- 0013-key-rollovers.sql - the robot's key rollovers (pocbot keys
-- rollover), owned by robot/rollovers.c. The old secret keys still
-- decrypt until archive_after; then the daemon archives them out of the
-- live GnuPG home (robot/timer-rollover.c) and sets archived.
CREATE TABLE key_rollovers (
	id INTEGER PRIMARY KEY,
	at INTEGER NOT NULL,		-- when the new keys were made
	old_pgp TEXT NOT NULL,		-- OpenPGP primary fingerprints
	new_pgp TEXT NOT NULL,
	old_smime TEXT NOT NULL,	-- certificates; old_smime = new_smime when the
	new_smime TEXT NOT NULL,	-- S/MIME identity is CA-issued (not renewed)
	archive_after INTEGER NOT NULL,	-- at + [keys] overlap
	archived INTEGER		-- when the old secret keys left the home, or NULL
);
