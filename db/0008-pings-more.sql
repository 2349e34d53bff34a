-- 0008-pings-more.sql - what the ping rounds and their timers need beyond
-- 0006 (robot/pings.c, robot/timers.c): the language a signer is written
-- to, one ping per POC in a round, and when each periodic job last ran.

-- Learned from the language of the signer's accepted commands
-- (robot/dispatch.c), or given with 'signer add --lang'.
ALTER TABLE signers ADD COLUMN lang TEXT NOT NULL DEFAULT 'en';

-- A round pings each POC once, whoever queues it (the command or the
-- daemon's timer completing a round). Verification pings (round NULL)
-- are not concerned: NULLs are distinct.
CREATE UNIQUE INDEX pings_one_per_round ON pings(round, poc);

-- The periodic jobs' last runs: 'update:FR' (the yearly update reminder
-- of one State). Seconds since the epoch, from the clock.
CREATE TABLE timer_runs (
	name TEXT PRIMARY KEY,
	last INTEGER NOT NULL
);
