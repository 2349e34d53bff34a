-- 0006-pings.sql - communication checks (robot/pings.c): rounds, one ping
-- per POC address in a round (or alone, to verify a new address), and what
-- came back for each.

-- A round: started by the custodian or by the schedule, closed by hand or
-- at its deadline. scope is what was asked ("states=FR,DE type=technical").
CREATE TABLE ping_rounds (
	id INTEGER PRIMARY KEY,
	started INTEGER NOT NULL,		-- seconds since the epoch, from the clock
	deadline INTEGER NOT NULL,
	closed INTEGER,				-- NULL while open
	scope TEXT NOT NULL DEFAULT '',
	started_by TEXT NOT NULL		-- 'custodian' or 'schedule'
);

-- One ping. token (26 lower-case base32 characters, 130 random bits) is
-- in its Reply-To (ping+TOKEN@), envelope sender (bounces+TOKEN@),
-- Message-ID and subject. round is NULL for a verification ping.
-- The time it was handed to the relay is its outbox row's done.
CREATE TABLE pings (
	id INTEGER PRIMARY KEY,
	round INTEGER REFERENCES ping_rounds(id),
	purpose TEXT NOT NULL CHECK (purpose IN ('round', 'verification')),
	poc TEXT NOT NULL REFERENCES pocs(id),
	address TEXT NOT NULL,			-- the POC address pinged, as written
	lang TEXT NOT NULL,			-- the language it was written in
	token TEXT NOT NULL UNIQUE,
	queued INTEGER NOT NULL,
	deadline INTEGER NOT NULL,
	reminders INTEGER NOT NULL DEFAULT 0,	-- reminders sent so far
	delivered INTEGER,			-- success DSN
	delayed INTEGER,			-- delay DSN
	bounced INTEGER,			-- failure DSN or bounce
	bounce_status TEXT,			-- '5.1.1'
	bounce_diagnostic TEXT,
	bounce_hard INTEGER,			-- 1 permanent, 0 temporary
	autoreplied INTEGER,			-- first automatic reply
	receipt INTEGER,			-- first read receipt (MDN)
	answered INTEGER,			-- first answer by a person: its arrival
	answer_seconds INTEGER,			-- from handing over to that arrival
	answer_from TEXT,			-- its From
	answer_own INTEGER,			-- 1 when From is one of the POC's addresses
	finished INTEGER			-- deadline passed and dealt with (silent, escalated)
);
CREATE INDEX pings_by_round ON pings(round);
CREATE INDEX pings_by_poc ON pings(poc, answered);
CREATE INDEX pings_open ON pings(finished, deadline);

-- Every message that came back for a ping, as it came.
CREATE TABLE ping_events (
	id INTEGER PRIMARY KEY,
	ping INTEGER NOT NULL REFERENCES pings(id),
	message INTEGER REFERENCES messages(id),
	at INTEGER NOT NULL,
	what TEXT NOT NULL CHECK (what IN ('delivered', 'delayed', 'bounced', 'autoreply', 'receipt', 'answer')),
	matched_by TEXT NOT NULL,		-- recipient, in-reply-to, references, subject, body, envid
	detail TEXT
);
CREATE INDEX ping_events_by_ping ON ping_events(ping);
