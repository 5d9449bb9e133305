-- StrideCoach schema version 5 (storage/migrations.py before Alembic, a database upgraded from version 4), sqlite.
-- Frozen copy for the upgrade test: never edit it to follow the models.
CREATE TABLE processed_update (
	update_id BIGINT NOT NULL, 
	processed_at DATETIME NOT NULL, 
	PRIMARY KEY (update_id)
);
CREATE INDEX ix_processed_update_processed_at ON processed_update (processed_at);
CREATE TABLE reminder (
	id INTEGER NOT NULL, 
	runner_id BIGINT NOT NULL, 
	due_at DATETIME NOT NULL, 
	kind VARCHAR NOT NULL, 
	status VARCHAR NOT NULL, 
	sent_at DATETIME, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_reminder_runner_due UNIQUE (runner_id, due_at)
);
CREATE INDEX ix_reminder_runner_id ON reminder (runner_id);
CREATE INDEX ix_reminder_status ON reminder (status);
CREATE TABLE runner (
	id BIGINT NOT NULL, 
	chat_id BIGINT NOT NULL, 
	first_name VARCHAR NOT NULL, 
	created_at DATETIME NOT NULL, 
	pending_input VARCHAR, 
	blocked BOOLEAN NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE schedule (
	runner_id BIGINT NOT NULL, 
	days_mask INTEGER NOT NULL, 
	local_time VARCHAR NOT NULL, 
	zone VARCHAR NOT NULL, 
	enabled BOOLEAN NOT NULL, 
	paused BOOLEAN NOT NULL, 
	next_reminder_at DATETIME, 
	snooze_until DATETIME, 
	skip_date DATE, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (runner_id)
);
CREATE INDEX ix_schedule_next_reminder_at ON schedule (next_reminder_at);
CREATE INDEX ix_schedule_snooze_until ON schedule (snooze_until);
CREATE TABLE schema_migration (
	version INTEGER NOT NULL, 
	applied_at DATETIME NOT NULL, 
	PRIMARY KEY (version)
);
CREATE TABLE workout_session (
	id INTEGER NOT NULL, 
	runner_id BIGINT NOT NULL, 
	routine_id VARCHAR NOT NULL, 
	position INTEGER NOT NULL, 
	status VARCHAR NOT NULL, 
	version INTEGER NOT NULL, 
	sets_done INTEGER NOT NULL, 
	sets_skipped INTEGER NOT NULL, 
	skipped_mask BIGINT NOT NULL, 
	started_at DATETIME NOT NULL, 
	last_activity_at DATETIME NOT NULL, 
	timer_started_at DATETIME, 
	finished_at DATETIME, 
	prompt_message_id INTEGER, 
	PRIMARY KEY (id)
);
CREATE INDEX ix_workout_session_last_activity_at ON workout_session (last_activity_at);
CREATE INDEX ix_workout_session_runner_id ON workout_session (runner_id);
CREATE INDEX ix_workout_session_status ON workout_session (status);
CREATE TABLE completed_set (
	id INTEGER NOT NULL, 
	runner_id BIGINT NOT NULL, 
	session_id INTEGER NOT NULL, 
	routine_id VARCHAR NOT NULL, 
	exercise_id VARCHAR NOT NULL, 
	set_no INTEGER NOT NULL, 
	position INTEGER NOT NULL, 
	amount VARCHAR NOT NULL, 
	load_amount FLOAT, 
	load_unit VARCHAR, 
	completed_at DATETIME NOT NULL, 
	update_id BIGINT, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_completed_set_session_position UNIQUE (session_id, position), 
	CONSTRAINT uq_completed_set_update_id UNIQUE (update_id), 
	FOREIGN KEY(session_id) REFERENCES workout_session (id)
);
CREATE INDEX ix_completed_set_exercise_id ON completed_set (exercise_id);
CREATE INDEX ix_completed_set_runner_id ON completed_set (runner_id);
CREATE INDEX ix_completed_set_session_id ON completed_set (session_id);
CREATE TABLE skipped_set (
	id INTEGER NOT NULL, 
	runner_id BIGINT NOT NULL, 
	session_id INTEGER NOT NULL, 
	routine_id VARCHAR NOT NULL, 
	exercise_id VARCHAR NOT NULL, 
	set_no INTEGER NOT NULL, 
	position INTEGER NOT NULL, 
	reason VARCHAR, 
	skipped_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_skipped_set_session_position UNIQUE (session_id, position), 
	FOREIGN KEY(session_id) REFERENCES workout_session (id)
);
CREATE INDEX ix_skipped_set_runner_id ON skipped_set (runner_id);
CREATE INDEX ix_skipped_set_session_id ON skipped_set (session_id);
CREATE TABLE inbox_update (
	update_id BIGINT NOT NULL, 
	payload TEXT NOT NULL, 
	received_at DATETIME NOT NULL, 
	handled_at DATETIME, 
	PRIMARY KEY (update_id)
);
CREATE INDEX ix_inbox_update_handled_at ON inbox_update (handled_at);
CREATE TABLE outbox_message (
	id INTEGER NOT NULL, 
	runner_id BIGINT NOT NULL, 
	chat_id BIGINT NOT NULL, 
	session_id INTEGER, 
	update_id BIGINT, 
	text TEXT NOT NULL, 
	keyboard TEXT, 
	status VARCHAR NOT NULL, 
	attempts INTEGER NOT NULL, 
	created_at DATETIME NOT NULL, 
	last_attempt_at DATETIME, 
	message_id INTEGER, 
	PRIMARY KEY (id)
);
CREATE INDEX ix_outbox_message_runner_id ON outbox_message (runner_id);
CREATE INDEX ix_outbox_message_session_id ON outbox_message (session_id);
CREATE INDEX ix_outbox_message_status ON outbox_message (status);
INSERT INTO schema_migration (version, applied_at) VALUES (1, CURRENT_TIMESTAMP);
INSERT INTO schema_migration (version, applied_at) VALUES (2, CURRENT_TIMESTAMP);
INSERT INTO schema_migration (version, applied_at) VALUES (3, CURRENT_TIMESTAMP);
INSERT INTO schema_migration (version, applied_at) VALUES (4, CURRENT_TIMESTAMP);
ALTER TABLE schedule ADD COLUMN paused_until DATETIME;
INSERT INTO schema_migration (version, applied_at) VALUES (5, CURRENT_TIMESTAMP);
