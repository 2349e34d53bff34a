-- 0007-lookups.sql - lookups and extracts by signed e-mail (issue 6,
-- robot/dispatch-lookups.c): one row per request answered with data, and
-- per State how many of its POCs that answer returned. ACCESS-LOG reads
-- lookup_states; [lookup] extracts_per_day counts the extract rows of a
-- State on the robot's day (UTC). The audit trail holds the same facts,
-- hash-chained; these tables make them easy to query.
CREATE TABLE lookups (
	id INTEGER PRIMARY KEY,
	at INTEGER NOT NULL,			-- seconds since the epoch, from the clock
	message TEXT NOT NULL,			-- messages.hash of the request
	signer TEXT NOT NULL,			-- the requester's fingerprint
	state TEXT NOT NULL,			-- the requester's State (alpha-2)
	role TEXT NOT NULL,			-- authority, reader, custodian
	verb TEXT NOT NULL CHECK (verb IN ('lookup', 'extract', 'access-log')),
	asked TEXT NOT NULL,			-- the criteria, normalised: "state=FR type=technical"
	returned INTEGER NOT NULL		-- POCs (access-log: entries) in the answer
);
CREATE INDEX lookups_by_state ON lookups(state, verb, at);

CREATE TABLE lookup_states (
	lookup INTEGER NOT NULL REFERENCES lookups(id),
	state TEXT NOT NULL,			-- a State whose POCs were returned
	returned INTEGER NOT NULL,		-- how many of them
	PRIMARY KEY (state, lookup)
);
