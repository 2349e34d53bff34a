-- schema10.sql - a database made by pocbot at schema 10 (tests/data/make-schema.sh);
-- tests/e2e/retention.sh migrates it. Generated: do not edit.
PRAGMA user_version = 10;
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
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
INSERT INTO messages VALUES(1,'ab71400f60fb7c41444936ba500c74345a821decc9abf314750f0c8e32aa46ef','1796648751.742792.P6085.R4c54fb7e','432cc5e49e12d79c@test.example','alice@fr.example','pocbot@robot.test',1796648750,'command','answered','signed');
INSERT INTO messages VALUES(2,'9985344fcea510ec3ede7e7d3d920dcaab3a340925829db8429da22923a00001','1796648754.037428.P6518.Rda6e3701','answer.4ttl7sdqh4eu4m5ymk55ghdrm6@fr.example','cert@fr.example','ping+4ttl7sdqh4eu4m5ymk55ghdrm6@robot.test',1796649350,'command','silent','answer to a ping');
INSERT INTO messages VALUES(3,'88af781e5e815a56c135248a4e98f44b11e6a5266497125d1971a7048004706e','1796648755.077691.P6794.Rd723531b','dsn.iknaaht4ptl2xrva4e4icwnwmk@mx.fr.example','','bounces+iknaaht4ptl2xrva4e4icwnwmk@robot.test',1796649350,'bounce','silent','bounce');
INSERT INTO messages VALUES(4,'f2440dda7d777bfd0b96e6b9f57253779f479836887cbce1b036e789eea5c707','1796648756.236447.P7066.R853b8af3','fae000484513a204@test.example','alice@fr.example','pocbot@robot.test',1796649350,'command','answered','signed');
INSERT INTO messages VALUES(5,'c5cbc017b972c6357c57844f52cb5e9012253ddd06fdf82f6331e392d74630f3','1796648769.385120.P9520.R44e2bda1','3c99e787fe715d1c@test.example','alice@fr.example','pocbot@robot.test',1797862070,'command','answered','signed');
INSERT INTO messages VALUES(6,'d919eed13178fcab104778b30ffceae399e90941822779e26081c55a79f34b87','1796648771.338672.P9814.R2c658ae7','answer.m2xbh46dsmfwfkzmbi6qbeiudc@fr.example','gone@fr.example','ping+m2xbh46dsmfwfkzmbi6qbeiudc@robot.test',1797862070,'command','silent','answer to a ping');
CREATE TABLE spool_failures (
	spool_id TEXT PRIMARY KEY,
	attempts INTEGER NOT NULL,
	last_error TEXT,
	updated INTEGER NOT NULL
);
CREATE TABLE states (
	code TEXT PRIMARY KEY,			-- ISO 3166-1 alpha-2, upper case
	added INTEGER NOT NULL			-- seconds since the epoch, from the clock
);
INSERT INTO states VALUES('FR',1796648750);
INSERT INTO states VALUES('CH',1796648750);
CREATE TABLE seen_signatures (
	replay_key TEXT PRIMARY KEY,
	message_hash TEXT NOT NULL,
	seen INTEGER NOT NULL
);
INSERT INTO seen_signatures VALUES('7db096ea4b7e9cb4645daff1572871162f37581610385c21ad1045ebf1c3f48e','ab71400f60fb7c41444936ba500c74345a821decc9abf314750f0c8e32aa46ef',1796648750);
INSERT INTO seen_signatures VALUES('fc9e91e82d41aff33011aa41d081226c12e943479217bf93b34bee973058bdc7','f2440dda7d777bfd0b96e6b9f57253779f479836887cbce1b036e789eea5c707',1796649350);
INSERT INTO seen_signatures VALUES('9aeda59d3cacf85597a34a2d562c83fbe675287c757b85170922b497750e0dd9','c5cbc017b972c6357c57844f52cb5e9012253ddd06fdf82f6331e392d74630f3',1797862070);
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
INSERT INTO events VALUES(1,1796648750,'custodian','FR','signer-add','openpgp C23A1F8FB4E72309A410538A7AE81D73F1FAF5CE as authority, alice@fr.example','0000000000000000000000000000000000000000000000000000000000000000','f981bc2472b3f217fdc4553e5e9920395e3daa86ad94a793feb23104c171583e');
INSERT INTO events VALUES(2,1796648750,'custodian',NULL,'signer-add','openpgp 1CC0552C420F4C9882503D903E349682B005D88B as custodian, carol@un.example','f981bc2472b3f217fdc4553e5e9920395e3daa86ad94a793feb23104c171583e','5713eb1153e715f42f7de770b3291df19acd5beb29e55bdf0365a43f8bf37614');
INSERT INTO events VALUES(3,1796648750,'C23A1F8FB4E72309A410538A7AE81D73F1FAF5CE','FR','poc-nominate','{"message":"ab71400f60fb7c41444936ba500c74345a821decc9abf314750f0c8e32aa46ef","before":null,"after":{"id":"FR-T-1","state":"FR","type":"technical","organisation":"CERT one","web":null,"emails":["cert@fr.example"],"phones":[{"written":"+33 1 00 00 00 01","e164":"+33100000001"}],"languages":[],"name":null,"position":null,"notes":null,"status":"pending","version":1,"created":"2026-12-07T13:05:50Z","updated":"2026-12-07T13:05:50Z","withdrawn_reason":null}}','5713eb1153e715f42f7de770b3291df19acd5beb29e55bdf0365a43f8bf37614','22bb3ac420ea07d70e47691394af83b00f3065fa73d389d3d77e7ab755820291');
INSERT INTO events VALUES(4,1796648750,'C23A1F8FB4E72309A410538A7AE81D73F1FAF5CE','FR','poc-nominate','{"message":"ab71400f60fb7c41444936ba500c74345a821decc9abf314750f0c8e32aa46ef","before":null,"after":{"id":"FR-T-2","state":"FR","type":"technical","organisation":"CERT two","web":null,"emails":["gone@fr.example","alt@fr.example"],"phones":[{"written":"+33 1 00 00 00 02","e164":"+33100000002"}],"languages":[],"name":null,"position":null,"notes":null,"status":"pending","version":1,"created":"2026-12-07T13:05:50Z","updated":"2026-12-07T13:05:50Z","withdrawn_reason":null}}','22bb3ac420ea07d70e47691394af83b00f3065fa73d389d3d77e7ab755820291','4275f04a05aeb6d95ed8a4f12c50f0653794c54d0859d31130feca685b3e7ca6');
INSERT INTO events VALUES(5,1796648750,'C23A1F8FB4E72309A410538A7AE81D73F1FAF5CE','FR','poc-nominate','{"message":"ab71400f60fb7c41444936ba500c74345a821decc9abf314750f0c8e32aa46ef","before":null,"after":{"id":"FR-P-1","state":"FR","type":"policy","organisation":"Policy","web":null,"emails":["wd@fr.example"],"phones":[{"written":"+33 1 00 00 00 03","e164":"+33100000003"}],"languages":[],"name":null,"position":null,"notes":null,"status":"pending","version":1,"created":"2026-12-07T13:05:50Z","updated":"2026-12-07T13:05:50Z","withdrawn_reason":null}}','4275f04a05aeb6d95ed8a4f12c50f0653794c54d0859d31130feca685b3e7ca6','8293eb60c3652ed7669eac239cdd07358a1ca1ea3b8e832ca96683d9b6a5725a');
INSERT INTO events VALUES(6,1796648750,'C23A1F8FB4E72309A410538A7AE81D73F1FAF5CE','FR','poc-nominate','{"message":"ab71400f60fb7c41444936ba500c74345a821decc9abf314750f0c8e32aa46ef","before":null,"after":{"id":"FR-D-1","state":"FR","type":"diplomatic","organisation":"Mission","web":null,"emails":["quiet1@fr.example"],"phones":[{"written":"+33 1 00 00 00 04","e164":"+33100000004"}],"languages":[],"name":null,"position":null,"notes":null,"status":"pending","version":1,"created":"2026-12-07T13:05:50Z","updated":"2026-12-07T13:05:50Z","withdrawn_reason":null}}','8293eb60c3652ed7669eac239cdd07358a1ca1ea3b8e832ca96683d9b6a5725a','3611ec5596948b579ba1e4b492614ed2ab4dc1d18a63cc2c3098a0f7aa0bc9bf');
INSERT INTO events VALUES(7,1796648750,'C23A1F8FB4E72309A410538A7AE81D73F1FAF5CE','FR','poc-nominate','{"message":"ab71400f60fb7c41444936ba500c74345a821decc9abf314750f0c8e32aa46ef","before":null,"after":{"id":"FR-L-1","state":"FR","type":"law-enforcement","organisation":"Police","web":null,"emails":["quiet2@fr.example"],"phones":[{"written":"+33 1 00 00 00 05","e164":"+33100000005"}],"languages":[],"name":null,"position":null,"notes":null,"status":"pending","version":1,"created":"2026-12-07T13:05:50Z","updated":"2026-12-07T13:05:50Z","withdrawn_reason":null}}','3611ec5596948b579ba1e4b492614ed2ab4dc1d18a63cc2c3098a0f7aa0bc9bf','a345d4fbbf5dfee2113eb9cc7576fa54f24a11769fc8badd8d9c68b28baf6017');
INSERT INTO events VALUES(8,1796649350,'ping','FR','poc-verified','{"poc": "FR-T-1", "before": "pending", "after": "active", "message": "9985344fcea510ec3ede7e7d3d920dcaab3a340925829db8429da22923a00001", "ping": 10, "address": "cert@fr.example", "from": "cert@fr.example"}','a345d4fbbf5dfee2113eb9cc7576fa54f24a11769fc8badd8d9c68b28baf6017','54922e3913711fd0c2822ce3433afd88da46ae145d9c070a300ebfc99ff34dca');
INSERT INTO events VALUES(9,1796649350,'ping','FR','address-undeliverable','{"poc": "FR-T-2", "message": "88af781e5e815a56c135248a4e98f44b11e6a5266497125d1971a7048004706e", "ping": 11, "address": "gone@fr.example", "status": "5.1.1"}','54922e3913711fd0c2822ce3433afd88da46ae145d9c070a300ebfc99ff34dca','25c53ba1078360153dae1b6a2453ba90f716afdcabf79bb7c8cc0b40dc0d07ba');
INSERT INTO events VALUES(10,1796649350,'C23A1F8FB4E72309A410538A7AE81D73F1FAF5CE','FR','poc-withdraw','{"message":"f2440dda7d777bfd0b96e6b9f57253779f479836887cbce1b036e789eea5c707","before":{"id":"FR-P-1","state":"FR","type":"policy","organisation":"Policy","web":null,"emails":["wd@fr.example"],"phones":[{"written":"+33 1 00 00 00 03","e164":"+33100000003"}],"languages":[],"name":null,"position":null,"notes":null,"status":"pending","version":1,"created":"2026-12-07T13:05:50Z","updated":"2026-12-07T13:05:50Z","withdrawn_reason":null},"after":{"id":"FR-P-1","state":"FR","type":"policy","organisation":"Policy","web":null,"emails":["wd@fr.example"],"phones":[{"written":"+33 1 00 00 00 03","e164":"+33100000003"}],"languages":[],"name":null,"position":null,"notes":null,"status":"withdrawn","version":2,"created":"2026-12-07T13:05:50Z","updated":"2026-12-07T13:15:50Z","withdrawn_reason":"the ministry was merged"}}','25c53ba1078360153dae1b6a2453ba90f716afdcabf79bb7c8cc0b40dc0d07ba','c0be132bd7e3d738afa0ef7d09b828fbb67c783ff0345102c9445f95dd55cee9');
INSERT INTO events VALUES(11,1796649350,'robot','FR','poc-pings-cancelled','{"poc": "FR-P-1", "outbox_cancelled": 0}','c0be132bd7e3d738afa0ef7d09b828fbb67c783ff0345102c9445f95dd55cee9','75eda7ac4d19656d3a28076506f3a9debd86b533f9ce61b741e49a41e2bb4afd');
INSERT INTO events VALUES(12,1797858410,'robot','FR','poc-unverified','{"poc": "FR-T-2", "before": "pending", "after": "unverified", "ping": "qxou5qq2kixmlnwob77dvyjybn"}','75eda7ac4d19656d3a28076506f3a9debd86b533f9ce61b741e49a41e2bb4afd','3a2e90673881d8f9a9569064627f9ab3ed177e9e0087024f5473880765df0853');
INSERT INTO events VALUES(13,1797858410,'robot','FR','poc-unverified','{"poc": "FR-D-1", "before": "pending", "after": "unverified", "ping": "a4xhrfi3n5xd3q6pn3yk435cfj"}','3a2e90673881d8f9a9569064627f9ab3ed177e9e0087024f5473880765df0853','cce5a281048bc6f1878a178d9e4e3695840999982003b771d85a3139749bb07c');
INSERT INTO events VALUES(14,1797858410,'robot','FR','poc-unverified','{"poc": "FR-L-1", "before": "pending", "after": "unverified", "ping": "pxajwpm7sefzd4jvia3e2zqieg"}','cce5a281048bc6f1878a178d9e4e3695840999982003b771d85a3139749bb07c','eb597a49fcc71633c2da7277f9a667ab99b28bd786a9e6a22e7ce74718d01286');
INSERT INTO events VALUES(15,1797862070,'custodian','FR','poc-recheck','{"poc": "FR-T-2", "ping": "m2xbh46dsmfwfkzmbi6qbeiudc"}','eb597a49fcc71633c2da7277f9a667ab99b28bd786a9e6a22e7ce74718d01286','0f76aed3f165a85ddefd5d713b00d3bdb79cb8250e104f37657211e4582a9f28');
INSERT INTO events VALUES(16,1797862070,'ping','FR','address-deliverable','{"poc": "FR-T-2", "message": "d919eed13178fcab104778b30ffceae399e90941822779e26081c55a79f34b87", "ping": 17, "address": "gone@fr.example", "from": "gone@fr.example"}','0f76aed3f165a85ddefd5d713b00d3bdb79cb8250e104f37657211e4582a9f28','edc4b8b399459592e4eb7fa0572dcadae11d213bdba4bc0e503a0b51068b57c5');
INSERT INTO events VALUES(17,1797862070,'ping','FR','poc-verified','{"poc": "FR-T-2", "before": "unverified", "after": "active", "message": "d919eed13178fcab104778b30ffceae399e90941822779e26081c55a79f34b87", "ping": 17, "address": "gone@fr.example", "from": "gone@fr.example"}','edc4b8b399459592e4eb7fa0572dcadae11d213bdba4bc0e503a0b51068b57c5','89e873af4356b7501a274ddc8883c82e62f5125e096124ff3f9635b673c3b5fe');
CREATE TABLE pocs (
	id TEXT PRIMARY KEY,
	state TEXT NOT NULL REFERENCES states(code),
	type TEXT NOT NULL CHECK (type IN ('diplomatic', 'technical', 'policy', 'law-enforcement')),
	number INTEGER NOT NULL CHECK (number >= 1),
	organisation TEXT NOT NULL,
	web TEXT,
	name TEXT,
	position TEXT,
	notes TEXT,
	status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'unverified', 'withdrawn')),
	version INTEGER NOT NULL CHECK (version >= 1),
	created INTEGER NOT NULL,		-- seconds since the epoch, from the clock
	updated INTEGER NOT NULL,
	withdrawn_reason TEXT,
	UNIQUE (state, type, number),
	CHECK (id = state || '-' || CASE type WHEN 'diplomatic' THEN 'D' WHEN 'technical' THEN 'T'
		WHEN 'policy' THEN 'P' ELSE 'L' END || '-' || number),
	CHECK ((status = 'withdrawn') = (withdrawn_reason IS NOT NULL))
);
INSERT INTO pocs VALUES('FR-T-1','FR','technical',1,'CERT one',NULL,NULL,NULL,NULL,'active',2,1796648750,1796649350,NULL);
INSERT INTO pocs VALUES('FR-T-2','FR','technical',2,'CERT two',NULL,NULL,NULL,NULL,'active',3,1796648750,1797862070,NULL);
INSERT INTO pocs VALUES('FR-P-1','FR','policy',1,'Policy',NULL,NULL,NULL,NULL,'withdrawn',2,1796648750,1796649350,'the ministry was merged');
INSERT INTO pocs VALUES('FR-D-1','FR','diplomatic',1,'Mission',NULL,NULL,NULL,NULL,'unverified',2,1796648750,1797858410,NULL);
INSERT INTO pocs VALUES('FR-L-1','FR','law-enforcement',1,'Police',NULL,NULL,NULL,NULL,'unverified',2,1796648750,1797858410,NULL);
CREATE TABLE poc_emails (
	poc TEXT NOT NULL REFERENCES pocs(id),
	position INTEGER NOT NULL,
	address TEXT NOT NULL,			-- as written (an IDN domain kept in Unicode)
	PRIMARY KEY (poc, position)
);
INSERT INTO poc_emails VALUES('FR-T-1',0,'cert@fr.example');
INSERT INTO poc_emails VALUES('FR-T-2',0,'gone@fr.example');
INSERT INTO poc_emails VALUES('FR-T-2',1,'alt@fr.example');
INSERT INTO poc_emails VALUES('FR-P-1',0,'wd@fr.example');
INSERT INTO poc_emails VALUES('FR-D-1',0,'quiet1@fr.example');
INSERT INTO poc_emails VALUES('FR-L-1',0,'quiet2@fr.example');
CREATE TABLE poc_phones (
	poc TEXT NOT NULL REFERENCES pocs(id),
	position INTEGER NOT NULL,
	written TEXT NOT NULL,			-- as the State wrote it
	e164 TEXT,				-- '+...', or NULL when it could not be normalised
	PRIMARY KEY (poc, position)
);
INSERT INTO poc_phones VALUES('FR-T-1',0,'+33 1 00 00 00 01','+33100000001');
INSERT INTO poc_phones VALUES('FR-T-2',0,'+33 1 00 00 00 02','+33100000002');
INSERT INTO poc_phones VALUES('FR-P-1',0,'+33 1 00 00 00 03','+33100000003');
INSERT INTO poc_phones VALUES('FR-D-1',0,'+33 1 00 00 00 04','+33100000004');
INSERT INTO poc_phones VALUES('FR-L-1',0,'+33 1 00 00 00 05','+33100000005');
CREATE TABLE poc_languages (
	poc TEXT NOT NULL REFERENCES pocs(id),
	position INTEGER NOT NULL,
	code TEXT NOT NULL,			-- ISO 639-1 (639-3 when there is none)
	PRIMARY KEY (poc, position)
);
CREATE TABLE poc_counters (
	state TEXT NOT NULL REFERENCES states(code),
	type TEXT NOT NULL CHECK (type IN ('diplomatic', 'technical', 'policy', 'law-enforcement')),
	next INTEGER NOT NULL CHECK (next >= 1),
	PRIMARY KEY (state, type)
);
INSERT INTO poc_counters VALUES('FR','technical',3);
INSERT INTO poc_counters VALUES('FR','policy',2);
INSERT INTO poc_counters VALUES('FR','diplomatic',2);
INSERT INTO poc_counters VALUES('FR','law-enforcement',2);
CREATE TABLE ping_rounds (
	id INTEGER PRIMARY KEY,
	started INTEGER NOT NULL,		-- seconds since the epoch, from the clock
	deadline INTEGER NOT NULL,
	closed INTEGER,				-- NULL while open
	scope TEXT NOT NULL DEFAULT '',
	started_by TEXT NOT NULL		-- 'custodian' or 'schedule'
);
INSERT INTO ping_rounds VALUES(1,1796648810,1797080810,1797080870,'','custodian');
INSERT INTO ping_rounds VALUES(2,1797167150,1797599150,1797167750,'','custodian');
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
INSERT INTO pings VALUES(1,NULL,'verification','FR-T-1','cert@fr.example','en','ydhsdihiiq3dom2qiiecg6ouec',1796648750,1797858350,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1797858410);
INSERT INTO pings VALUES(2,NULL,'verification','FR-T-2','gone@fr.example','en','qxou5qq2kixmlnwob77dvyjybn',1796648750,1797858350,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1797858410);
INSERT INTO pings VALUES(3,NULL,'verification','FR-T-2','alt@fr.example','en','hlwju6wpve5glrdt53a54ahso4',1796648750,1797858350,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1797858410);
INSERT INTO pings VALUES(4,NULL,'verification','FR-P-1','wd@fr.example','en','iiprbink4gp44g45n7wrt5wxtu',1796648750,1797858350,0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1796649350);
INSERT INTO pings VALUES(5,NULL,'verification','FR-D-1','quiet1@fr.example','en','a4xhrfi3n5xd3q6pn3yk435cfj',1796648750,1797858350,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1797858410);
INSERT INTO pings VALUES(6,NULL,'verification','FR-L-1','quiet2@fr.example','en','pxajwpm7sefzd4jvia3e2zqieg',1796648750,1797858350,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1797858410);
INSERT INTO pings VALUES(7,1,'round','FR-D-1','quiet1@fr.example','en','4dk5cu27lctyqbjxk37ob7r5bt',1796648810,1797080810,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1797080870);
INSERT INTO pings VALUES(8,1,'round','FR-L-1','quiet2@fr.example','en','s6mxi7l66as7cztgwokoql33me',1796648810,1797080810,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1797080870);
INSERT INTO pings VALUES(9,1,'round','FR-P-1','wd@fr.example','en','qa3vhh57d6kxg5ofzxbkezzllg',1796648810,1797080810,0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1796649350);
INSERT INTO pings VALUES(10,1,'round','FR-T-1','cert@fr.example','en','4ttl7sdqh4eu4m5ymk55ghdrm6',1796648810,1797080810,0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1796649350,540,'cert@fr.example',1,1797080870);
INSERT INTO pings VALUES(11,1,'round','FR-T-2','gone@fr.example','en','iknaaht4ptl2xrva4e4icwnwmk',1796648810,1797080810,0,NULL,NULL,1796649350,'5.1.1','550 5.1.1 User unknown',1,NULL,NULL,NULL,NULL,NULL,NULL,1797080870);
INSERT INTO pings VALUES(12,2,'round','FR-D-1','quiet1@fr.example','en','fyps5upggltbzr4wfpqsv36nx4',1797167150,1797599150,0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1797167750);
INSERT INTO pings VALUES(13,2,'round','FR-L-1','quiet2@fr.example','en','kj5sgqzsqkrtlko6tc4qnkaiio',1797167150,1797599150,0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1797167750);
INSERT INTO pings VALUES(14,2,'round','FR-T-1','cert@fr.example','en','3k7yv3a4wo6g7gmesnxbaq6ucm',1797167150,1797599150,0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1797167750);
INSERT INTO pings VALUES(15,2,'round','FR-T-2','alt@fr.example','en','shbkyluuqaqagby2epo3cktkg6',1797167150,1797599150,0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1797167750);
INSERT INTO pings VALUES(16,NULL,'verification','FR-T-2','gone@fr.example','en','5in43l3w7kjmbmqasmmsqb2njg',1797862070,1799071670,0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO pings VALUES(17,NULL,'verification','FR-T-2','gone@fr.example','en','m2xbh46dsmfwfkzmbi6qbeiudc',1797862070,1799071670,0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1797862070,0,'gone@fr.example',1,NULL);
CREATE TABLE ping_events (
	id INTEGER PRIMARY KEY,
	ping INTEGER NOT NULL REFERENCES pings(id),
	message INTEGER REFERENCES messages(id),
	at INTEGER NOT NULL,
	what TEXT NOT NULL CHECK (what IN ('delivered', 'delayed', 'bounced', 'autoreply', 'receipt', 'answer')),
	matched_by TEXT NOT NULL,		-- recipient, in-reply-to, references, subject, body, envid
	detail TEXT
);
INSERT INTO ping_events VALUES(1,10,2,1796649350,'answer','recipient','from cert@fr.example');
INSERT INTO ping_events VALUES(2,11,3,1796649350,'bounced','recipient','5.1.1 550 5.1.1 User unknown');
INSERT INTO ping_events VALUES(3,17,6,1797862070,'answer','recipient','from gone@fr.example');
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
CREATE TABLE lookup_states (
	lookup INTEGER NOT NULL REFERENCES lookups(id),
	state TEXT NOT NULL,			-- a State whose POCs were returned
	returned INTEGER NOT NULL,		-- how many of them
	PRIMARY KEY (state, lookup)
);
CREATE TABLE timer_runs (
	name TEXT PRIMARY KEY,
	last INTEGER NOT NULL
);
INSERT INTO timer_runs VALUES('outbox-alert',1797858410);
CREATE TABLE IF NOT EXISTS "signers" (
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
INSERT INTO signers VALUES(1,'openpgp','C23A1F8FB4E72309A410538A7AE81D73F1FAF5CE',NULL,'FR','authority',NULL,'alice@fr.example',1796648750,NULL,NULL,'en');
INSERT INTO signers VALUES(2,'openpgp','1CC0552C420F4C9882503D903E349682B005D88B',NULL,NULL,'custodian',NULL,'carol@un.example',1796648750,NULL,NULL,'en');
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
INSERT INTO address_health VALUES('FR-T-2','gone@fr.example',NULL,NULL,NULL,0,NULL,NULL);
CREATE TABLE IF NOT EXISTS "outbox" (
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
INSERT INTO outbox VALUES(1,'ydhsdihiiq3dom2qiiecg6ouec',NULL,'ping-verification','bounces+ydhsdihiiq3dom2qiiecg6ouec@robot.test','cert@fr.example',X'',1796648750,'sent',1,1796648810,1796648750,NULL,NULL,'ydhsdihiiq3dom2qiiecg6ouec');
INSERT INTO outbox VALUES(2,'qxou5qq2kixmlnwob77dvyjybn',NULL,'ping-verification','bounces+qxou5qq2kixmlnwob77dvyjybn@robot.test','gone@fr.example',X'',1796648750,'sent',1,1796648810,1796648750,NULL,NULL,'qxou5qq2kixmlnwob77dvyjybn');
INSERT INTO outbox VALUES(3,'hlwju6wpve5glrdt53a54ahso4',NULL,'ping-verification','bounces+hlwju6wpve5glrdt53a54ahso4@robot.test','alt@fr.example',X'',1796648750,'sent',1,1796648810,1796648750,NULL,NULL,'hlwju6wpve5glrdt53a54ahso4');
INSERT INTO outbox VALUES(4,'iiprbink4gp44g45n7wrt5wxtu',NULL,'ping-verification','bounces+iiprbink4gp44g45n7wrt5wxtu@robot.test','wd@fr.example',X'',1796648750,'sent',1,1796648810,1796648750,NULL,NULL,'iiprbink4gp44g45n7wrt5wxtu');
INSERT INTO outbox VALUES(5,'a4xhrfi3n5xd3q6pn3yk435cfj',NULL,'ping-verification','bounces+a4xhrfi3n5xd3q6pn3yk435cfj@robot.test','quiet1@fr.example',X'',1796648750,'sent',1,1796648810,1796648750,NULL,NULL,'a4xhrfi3n5xd3q6pn3yk435cfj');
INSERT INTO outbox VALUES(6,'pxajwpm7sefzd4jvia3e2zqieg',NULL,'ping-verification','bounces+pxajwpm7sefzd4jvia3e2zqieg@robot.test','quiet2@fr.example',X'',1796648750,'sent',1,1796648810,1796648750,NULL,NULL,'pxajwpm7sefzd4jvia3e2zqieg');
INSERT INTO outbox VALUES(7,'61e8215574ce9478107eda85fc824ee3',NULL,'notice','bounces+61e8215574ce9478107eda85fc824ee3@robot.test','cert@fr.example',X'',1796648750,'sent',1,1796648810,1796648750,NULL,NULL,NULL);
INSERT INTO outbox VALUES(8,'685ec90bdd2916a251b02f613980ace8',NULL,'notice','bounces+685ec90bdd2916a251b02f613980ace8@robot.test','gone@fr.example',X'',1796648750,'sent',1,1796648810,1796648750,NULL,NULL,NULL);
INSERT INTO outbox VALUES(9,'482d89df942feb5dc57437952d8e846f',NULL,'notice','bounces+482d89df942feb5dc57437952d8e846f@robot.test','alt@fr.example',X'',1796648750,'sent',1,1796648810,1796648750,NULL,NULL,NULL);
INSERT INTO outbox VALUES(10,'7a6e57d48cc826b725e2b3767e089005',NULL,'notice','bounces+7a6e57d48cc826b725e2b3767e089005@robot.test','wd@fr.example',X'',1796648750,'sent',1,1796648810,1796648750,NULL,NULL,NULL);
INSERT INTO outbox VALUES(11,'881a4ff63c87ae9f46084c3af1739b46',NULL,'notice','bounces+881a4ff63c87ae9f46084c3af1739b46@robot.test','quiet1@fr.example',X'',1796648750,'sent',1,1796648810,1796648750,NULL,NULL,NULL);
INSERT INTO outbox VALUES(12,'160a557312ce5ef76972bb1a2f2f1ad0',NULL,'notice','bounces+160a557312ce5ef76972bb1a2f2f1ad0@robot.test','quiet2@fr.example',X'',1796648750,'sent',1,1796648810,1796648750,NULL,NULL,NULL);
INSERT INTO outbox VALUES(13,'7dd8e26caff0573c22bde25711098f12',1,'signed-ack','bounces+7dd8e26caff0573c22bde25711098f12@robot.test','alice@fr.example',X'',1796648750,'sent',1,1796648810,1796648750,NULL,NULL,NULL);
INSERT INTO outbox VALUES(14,'4dk5cu27lctyqbjxk37ob7r5bt',NULL,'ping','bounces+4dk5cu27lctyqbjxk37ob7r5bt@robot.test','quiet1@fr.example',X'',1796648810,'sent',1,1796648870,1796648810,NULL,NULL,'4dk5cu27lctyqbjxk37ob7r5bt');
INSERT INTO outbox VALUES(15,'s6mxi7l66as7cztgwokoql33me',NULL,'ping','bounces+s6mxi7l66as7cztgwokoql33me@robot.test','quiet2@fr.example',X'',1796648810,'sent',1,1796648870,1796648810,NULL,NULL,'s6mxi7l66as7cztgwokoql33me');
INSERT INTO outbox VALUES(16,'qa3vhh57d6kxg5ofzxbkezzllg',NULL,'ping','bounces+qa3vhh57d6kxg5ofzxbkezzllg@robot.test','wd@fr.example',X'',1796648810,'sent',1,1796648870,1796648810,NULL,NULL,'qa3vhh57d6kxg5ofzxbkezzllg');
INSERT INTO outbox VALUES(17,'4ttl7sdqh4eu4m5ymk55ghdrm6',NULL,'ping','bounces+4ttl7sdqh4eu4m5ymk55ghdrm6@robot.test','cert@fr.example',X'',1796648810,'sent',1,1796648870,1796648810,NULL,NULL,'4ttl7sdqh4eu4m5ymk55ghdrm6');
INSERT INTO outbox VALUES(18,'iknaaht4ptl2xrva4e4icwnwmk',NULL,'ping','bounces+iknaaht4ptl2xrva4e4icwnwmk@robot.test','gone@fr.example',X'',1796648810,'sent',1,1796648870,1796648810,NULL,NULL,'iknaaht4ptl2xrva4e4icwnwmk');
INSERT INTO outbox VALUES(19,'df67c046baf879440a7b49202dfaf20b',NULL,'notice','bounces+df67c046baf879440a7b49202dfaf20b@robot.test','wd@fr.example',X'',1796649350,'sent',1,1796649410,1796649350,NULL,NULL,NULL);
INSERT INTO outbox VALUES(20,'ad8055092ae3acbfd77960e6706506d4',4,'signed-ack','bounces+ad8055092ae3acbfd77960e6706506d4@robot.test','alice@fr.example',X'',1796649350,'sent',1,1796649410,1796649350,NULL,NULL,NULL);
INSERT INTO outbox VALUES(21,'4dk5cu27lctyqbjxk37ob7r5bt-r1',NULL,'ping-reminder','bounces+4dk5cu27lctyqbjxk37ob7r5bt@robot.test','quiet1@fr.example',X'',1796908070,'sent',1,1796908130,1796908070,NULL,NULL,'4dk5cu27lctyqbjxk37ob7r5bt');
INSERT INTO outbox VALUES(22,'s6mxi7l66as7cztgwokoql33me-r1',NULL,'ping-reminder','bounces+s6mxi7l66as7cztgwokoql33me@robot.test','quiet2@fr.example',X'',1796908070,'sent',1,1796908130,1796908070,NULL,NULL,'s6mxi7l66as7cztgwokoql33me');
INSERT INTO outbox VALUES(23,'ydhsdihiiq3dom2qiiecg6ouec-r1',NULL,'ping-reminder','bounces+ydhsdihiiq3dom2qiiecg6ouec@robot.test','cert@fr.example',X'',1796908070,'sent',1,1796908130,1796908070,NULL,NULL,'ydhsdihiiq3dom2qiiecg6ouec');
INSERT INTO outbox VALUES(24,'qxou5qq2kixmlnwob77dvyjybn-r1',NULL,'ping-reminder','bounces+qxou5qq2kixmlnwob77dvyjybn@robot.test','gone@fr.example',X'',1796908070,'sent',1,1796908130,1796908070,NULL,NULL,'qxou5qq2kixmlnwob77dvyjybn');
INSERT INTO outbox VALUES(25,'hlwju6wpve5glrdt53a54ahso4-r1',NULL,'ping-reminder','bounces+hlwju6wpve5glrdt53a54ahso4@robot.test','alt@fr.example',X'',1796908070,'sent',1,1796908130,1796908070,NULL,NULL,'hlwju6wpve5glrdt53a54ahso4');
INSERT INTO outbox VALUES(26,'a4xhrfi3n5xd3q6pn3yk435cfj-r1',NULL,'ping-reminder','bounces+a4xhrfi3n5xd3q6pn3yk435cfj@robot.test','quiet1@fr.example',X'',1796908070,'sent',1,1796908130,1796908070,NULL,NULL,'a4xhrfi3n5xd3q6pn3yk435cfj');
INSERT INTO outbox VALUES(27,'pxajwpm7sefzd4jvia3e2zqieg-r1',NULL,'ping-reminder','bounces+pxajwpm7sefzd4jvia3e2zqieg@robot.test','quiet2@fr.example',X'',1796908070,'sent',1,1796908130,1796908070,NULL,NULL,'pxajwpm7sefzd4jvia3e2zqieg');
INSERT INTO outbox VALUES(28,'9c5ee74df29567d93886dbd6043d8aa5',NULL,'address-undeliverable','bounces+9c5ee74df29567d93886dbd6043d8aa5@robot.test','alice@fr.example',X'',1796908070,'sent',1,1796908130,1796908070,NULL,NULL,NULL);
INSERT INTO outbox VALUES(29,'ef58db38a4bf0138d4a2822682bc80c0',NULL,'ping-report','bounces+ef58db38a4bf0138d4a2822682bc80c0@robot.test','carol@un.example',X'',1797080870,'sent',1,1797080930,1797080870,NULL,'ef58db38a4bf0138d4a2822682bc80c0.eml',NULL);
INSERT INTO outbox VALUES(30,'d4c5e15ad38d10d6db0f960b99bf085c',NULL,'ping-escalation','bounces+d4c5e15ad38d10d6db0f960b99bf085c@robot.test','alice@fr.example',X'',1797084530,'sent',1,1797084590,1797084530,NULL,NULL,NULL);
INSERT INTO outbox VALUES(31,'fyps5upggltbzr4wfpqsv36nx4',NULL,'ping','bounces+fyps5upggltbzr4wfpqsv36nx4@robot.test','quiet1@fr.example',X'',1797167150,'sent',1,1797167210,1797167150,NULL,NULL,'fyps5upggltbzr4wfpqsv36nx4');
INSERT INTO outbox VALUES(32,'kj5sgqzsqkrtlko6tc4qnkaiio',NULL,'ping','bounces+kj5sgqzsqkrtlko6tc4qnkaiio@robot.test','quiet2@fr.example',X'',1797167150,'sent',1,1797167210,1797167150,NULL,NULL,'kj5sgqzsqkrtlko6tc4qnkaiio');
INSERT INTO outbox VALUES(33,'3k7yv3a4wo6g7gmesnxbaq6ucm',NULL,'ping','bounces+3k7yv3a4wo6g7gmesnxbaq6ucm@robot.test','cert@fr.example',X'',1797167150,'sent',1,1797167210,1797167150,NULL,NULL,'3k7yv3a4wo6g7gmesnxbaq6ucm');
INSERT INTO outbox VALUES(34,'shbkyluuqaqagby2epo3cktkg6',NULL,'ping','bounces+shbkyluuqaqagby2epo3cktkg6@robot.test','alt@fr.example',X'',1797167150,'sent',1,1797167210,1797167150,NULL,NULL,'shbkyluuqaqagby2epo3cktkg6');
INSERT INTO outbox VALUES(35,'316d393f65f7bccbaedc7844e71772cd',NULL,'ping-report','bounces+316d393f65f7bccbaedc7844e71772cd@robot.test','carol@un.example',X'',1797167750,'sent',1,1797171470,1797171410,NULL,'316d393f65f7bccbaedc7844e71772cd.eml',NULL);
INSERT INTO outbox VALUES(36,'dd98f96c8e0755d8f89c4febabe6addb',NULL,'ping-escalation','bounces+dd98f96c8e0755d8f89c4febabe6addb@robot.test','alice@fr.example',X'',1797171410,'sent',1,1797171470,1797171410,NULL,NULL,NULL);
INSERT INTO outbox VALUES(37,'dc6c7be7baa1990f803882b9ade5bac1',NULL,'ping-unverified','bounces+dc6c7be7baa1990f803882b9ade5bac1@robot.test','alice@fr.example',X'',1797862070,'sent',1,1797862130,1797862070,NULL,NULL,NULL);
INSERT INTO outbox VALUES(38,'5in43l3w7kjmbmqasmmsqb2njg',NULL,'ping-verification','bounces+5in43l3w7kjmbmqasmmsqb2njg@robot.test','gone@fr.example',X'',1797862070,'sent',1,1797862130,1797862070,NULL,NULL,'5in43l3w7kjmbmqasmmsqb2njg');
INSERT INTO outbox VALUES(39,'db5b3585245e1d0657893db5e8ce39c6',5,'signed-ack','bounces+db5b3585245e1d0657893db5e8ce39c6@robot.test','alice@fr.example',X'',1797862070,'sent',1,1797862130,1797862070,NULL,NULL,NULL);
INSERT INTO outbox VALUES(40,'m2xbh46dsmfwfkzmbi6qbeiudc',NULL,'ping-verification','bounces+m2xbh46dsmfwfkzmbi6qbeiudc@robot.test','gone@fr.example',X'',1797862070,'sent',1,1797862130,1797862070,NULL,NULL,'m2xbh46dsmfwfkzmbi6qbeiudc');
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
CREATE TABLE ping_skips (
	round INTEGER NOT NULL REFERENCES ping_rounds(id),
	poc TEXT NOT NULL REFERENCES pocs(id),
	address TEXT NOT NULL,
	since INTEGER NOT NULL,
	status TEXT,
	PRIMARY KEY (round, poc, address)
);
INSERT INTO ping_skips VALUES(2,'FR-T-2','gone@fr.example',1796649350,'5.1.1');
DELETE FROM sqlite_sequence;
INSERT INTO sqlite_sequence VALUES('events',17);
CREATE INDEX events_by_state ON events(state, id);
CREATE INDEX poc_emails_by_address ON poc_emails(address COLLATE NOCASE);
CREATE INDEX pings_by_round ON pings(round);
CREATE INDEX pings_by_poc ON pings(poc, answered);
CREATE INDEX pings_open ON pings(finished, deadline);
CREATE INDEX ping_events_by_ping ON ping_events(ping);
CREATE INDEX lookups_by_state ON lookups(state, verb, at);
CREATE UNIQUE INDEX pings_one_per_round ON pings(round, poc);
CREATE INDEX signers_by_state ON signers(state);
CREATE INDEX outbox_due ON outbox(state, next_try);
CREATE INDEX outbox_rcpt ON outbox(rcpt, purpose, created);
CREATE INDEX outbox_env_from ON outbox(env_from);
CREATE INDEX notices_held_due ON notices_held(due);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
	SELECT RAISE(ABORT, 'the audit trail is append-only: events cannot be changed');
END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
	SELECT RAISE(ABORT, 'the audit trail is append-only: events cannot be deleted');
END;
COMMIT;
