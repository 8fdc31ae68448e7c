-- A small Mattermost-like schema for the demo drill: teams, channels,
-- users, posts and file infos, plus one identifiable post (the canary).
\set ON_ERROR_STOP on
\getenv mmpass RDRILL_DEMO_DB_PASSWORD
CREATE ROLE mmuser LOGIN PASSWORD :'mmpass';
CREATE DATABASE mattermost OWNER mmuser ENCODING 'UTF8' TEMPLATE template0;
\connect mattermost
SET ROLE mmuser;

CREATE TABLE teams (
	id text PRIMARY KEY,
	name text NOT NULL UNIQUE,
	displayname text NOT NULL
);
CREATE TABLE channels (
	id text PRIMARY KEY,
	teamid text NOT NULL REFERENCES teams(id),
	name text NOT NULL,
	displayname text NOT NULL,
	UNIQUE (teamid, name)
);
CREATE TABLE users (
	id text PRIMARY KEY,
	username text NOT NULL UNIQUE,
	email text NOT NULL
);
CREATE TABLE posts (
	id text PRIMARY KEY,
	channelid text NOT NULL REFERENCES channels(id),
	userid text NOT NULL REFERENCES users(id),
	message text NOT NULL,
	createat bigint NOT NULL,
	deleteat bigint NOT NULL DEFAULT 0
);
CREATE INDEX posts_channel_createat ON posts (channelid, createat);
CREATE TABLE fileinfo (
	id text PRIMARY KEY,
	postid text REFERENCES posts(id),
	path text NOT NULL,
	name text NOT NULL,
	size bigint NOT NULL
);
CREATE SEQUENCE audit_seq;

INSERT INTO teams VALUES ('team1', 'ops', '运维'), ('team2', 'dev', 'Development');
INSERT INTO channels
SELECT 'chan' || i, CASE WHEN i <= 3 THEN 'team1' ELSE 'team2' END,
       'channel-' || i, '频道 ' || i
FROM generate_series(1, 6) AS i;
INSERT INTO users
SELECT 'user' || i, 'user' || i, 'user' || i || '@example.com'
FROM generate_series(1, 20) AS i;
INSERT INTO posts (id, channelid, userid, message, createat)
SELECT 'post' || lpad(i::text, 5, '0'), 'chan' || (1 + i % 6),
       'user' || (1 + i % 20), '消息 #' || i || ': backup drill demo text',
       1768953600000 + i * 60000
FROM generate_series(1, 2000) AS i;
-- The newest post is written now, as on a live server just before its
-- backup: the scheduled demo's data lost then tells the same story as
-- its RPO (the posts written after the backup are the ones lost).
UPDATE posts SET createat = (extract(epoch FROM clock_timestamp()) * 1000)::bigint
WHERE id = 'post02000';
-- The message the drill deletes on purpose, then proves restored.
INSERT INTO posts (id, channelid, userid, message, createat) VALUES
	('rdrillcanarypost0000000001', 'chan1', 'user1',
	 '演练标记消息：这条消息会被删除，然后从备份恢复 (canary)', 1768989600000);
INSERT INTO fileinfo
SELECT 'file' || i, 'post' || lpad(i::text, 5, '0'),
       'data/teams/team1/channels/chan' || (1 + i % 6) || '/file' || i || '/attachment-' || i || '.bin',
       'attachment-' || i || '.bin', 2048
FROM generate_series(1, 30) AS i;
