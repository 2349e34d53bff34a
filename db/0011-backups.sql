-- 0011-backups.sql - the backups the robot wrote (pocbot backup, the
-- daemon's [backup] every) and the restores made into this database
-- (pocbot restore), owned by robot/backups.c.

-- One row per archive written: when, where, how large. pocbot status
-- shows the last one.
CREATE TABLE backups (
	id INTEGER PRIMARY KEY,
	at INTEGER NOT NULL,		-- the backup time T (seconds since the epoch)
	file TEXT NOT NULL,		-- the archive's absolute path
	bytes INTEGER NOT NULL
);

-- One row per restore: the database is the snapshot of the backup taken at
-- backup_time. Until backup_time + [trust] max_age, a signature created
-- after backup_time is refused (filters/authenticate.c): the robot lost its
-- memory of the signatures it accepted after the backup.
CREATE TABLE restores (
	id INTEGER PRIMARY KEY,
	at INTEGER NOT NULL,		-- when the restore was made
	backup_time INTEGER NOT NULL,
	file TEXT NOT NULL,		-- the archive restored
	signer TEXT NOT NULL		-- the manifest's signer (the robot's OpenPGP key)
);
