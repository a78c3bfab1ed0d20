"""The schema, as numbered migrations. Never edit one that has shipped: add the next."""

from sqlite_utils import Migrations

migrations = Migrations("screening")

OUTCOME_CODES = "('likely', 'possible', 'unlikely', 'urgent')"
REQUEST_STATUSES = "('new', 'contacted', 'scheduled', 'unable_to_reach', 'declined', 'closed')"


@migrations()
def m001_screenings_drafts_requests(db):
    db.executescript(
        f"""
        CREATE TABLE drafts (
            id TEXT PRIMARY KEY,              -- SHA-256 of the cookie token, never the token
            answers TEXT NOT NULL DEFAULT '{{}}' CHECK (json_valid(answers)),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            expires_at TEXT NOT NULL
        ) STRICT;
        CREATE INDEX drafts_expires_at ON drafts (expires_at);

        CREATE TABLE screenings (
            id INTEGER PRIMARY KEY,
            submission_key TEXT NOT NULL UNIQUE,  -- the draft id it came from: makes storing idempotent
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            questionnaire_version TEXT NOT NULL,
            rules_version TEXT NOT NULL,
            answers TEXT NOT NULL CHECK (json_valid(answers)),
            outcome TEXT NOT NULL CHECK (outcome IN {OUTCOME_CODES}),
            flags TEXT NOT NULL CHECK (json_valid(flags)),
            criteria TEXT NOT NULL CHECK (json_valid(criteria)),
            peg_score REAL CHECK (peg_score IS NULL OR peg_score BETWEEN 0 AND 10)
        ) STRICT;
        CREATE INDEX screenings_created_at ON screenings (created_at);

        CREATE TABLE requests (
            id INTEGER PRIMARY KEY,
            reference TEXT NOT NULL UNIQUE CHECK (length(reference) = 8),
            screening_id INTEGER NOT NULL UNIQUE REFERENCES screenings (id),
            full_name TEXT NOT NULL CHECK (length(full_name) BETWEEN 1 AND 200),
            phone TEXT NOT NULL CHECK (phone LIKE '+%'),
            email TEXT,
            date_of_birth TEXT NOT NULL CHECK (date(date_of_birth) = date_of_birth),
            preferred_contact TEXT NOT NULL CHECK (preferred_contact IN ('phone', 'email', 'either')),
            best_time TEXT NOT NULL CHECK (best_time IN ('morning', 'afternoon', 'evening')),
            location TEXT NOT NULL,
            patient_status TEXT NOT NULL CHECK (patient_status IN ('new', 'existing')),
            insurance TEXT CHECK (insurance IS NULL OR insurance IN
                ('medicare', 'medicaid', 'commercial', 'self_pay', 'other')),
            message TEXT NOT NULL DEFAULT '' CHECK (length(message) <= 1000),
            urgent INTEGER NOT NULL CHECK (urgent IN (0, 1)),
            status TEXT NOT NULL DEFAULT 'new' CHECK (status IN {REQUEST_STATUSES}),
            created_at TEXT NOT NULL,
            due_at TEXT NOT NULL
        ) STRICT;
        CREATE INDEX requests_queue ON requests (status, urgent, due_at);
        CREATE INDEX requests_created_at ON requests (created_at);
        """
    )


ROLES = "('front_desk', 'physician', 'admin')"


def _append_only(table: str) -> str:
    return f"""
        CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
        BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;
        CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
        BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;
    """


@migrations()
def m002_staff_users_audit_request_events(db):
    db.executescript(
        f"""
        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(username) BETWEEN 2 AND 64),
            display_name TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
            role TEXT NOT NULL CHECK (role IN {ROLES}),
            password_hash TEXT NOT NULL,
            active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
            session_version INTEGER NOT NULL DEFAULT 1,  -- bumped to end every session of the user
            created_at TEXT NOT NULL,
            last_login_at TEXT,
            failed_logins INTEGER NOT NULL DEFAULT 0,
            failed_window_start TEXT,
            locked_until TEXT
        ) STRICT;

        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            user_id INTEGER REFERENCES users (id),
            role TEXT,
            action TEXT NOT NULL,
            object_type TEXT,
            object_id TEXT,
            address TEXT,
            detail TEXT CHECK (detail IS NULL OR json_valid(detail))  -- never health data
        ) STRICT;
        CREATE INDEX audit_log_at ON audit_log (at);
        CREATE INDEX audit_log_user ON audit_log (user_id, at);
        CREATE INDEX audit_log_object ON audit_log (object_type, object_id);
        {_append_only("audit_log")}

        CREATE TABLE request_events (
            id INTEGER PRIMARY KEY,
            request_id INTEGER NOT NULL REFERENCES requests (id),
            at TEXT NOT NULL,
            user_id INTEGER NOT NULL REFERENCES users (id),
            kind TEXT NOT NULL CHECK (kind IN ('status', 'attempt', 'note')),
            status TEXT CHECK (status IS NULL OR status IN {REQUEST_STATUSES}),
            method TEXT CHECK (method IS NULL OR method IN ('phone', 'text', 'email')),
            result TEXT CHECK (result IS NULL OR result IN
                ('reached', 'voicemail', 'no_answer', 'wrong_number', 'sent')),
            note TEXT CHECK (note IS NULL OR length(note) <= 2000)
        ) STRICT;
        CREATE INDEX request_events_request ON request_events (request_id, at);
        {_append_only("request_events")}

        -- Kept with the request so the queue needs no per-row subquery.
        ALTER TABLE requests ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE requests ADD COLUMN last_attempt_at TEXT;
        ALTER TABLE requests ADD COLUMN updated_at TEXT;
        -- The queue's order: awaiting a first call before the rest, urgent first, soonest due first.
        CREATE INDEX requests_queue_order ON requests ((status <> 'new'), urgent DESC, due_at, id);
        CREATE INDEX requests_location ON requests (location);
        """
    )


@migrations()
def m003_reviews(db):
    db.executescript(
        f"""
        CREATE TABLE reviews (
            id INTEGER PRIMARY KEY,
            request_id INTEGER NOT NULL REFERENCES requests (id),
            user_id INTEGER NOT NULL REFERENCES users (id),
            at TEXT NOT NULL,
            note TEXT CHECK (note IS NULL OR length(note) <= 2000)
        ) STRICT;
        CREATE INDEX reviews_request ON reviews (request_id, at);
        {_append_only("reviews")}
        """
    )


@migrations()
def m004_outbox(db):
    db.executescript(
        """
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('new_request', 'patient_confirmation', 'overdue_reminder')),
            request_id INTEGER NOT NULL REFERENCES requests (id),
            recipient TEXT NOT NULL,
            subject TEXT NOT NULL,
            body TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            claimed_by TEXT,
            claimed_at TEXT,
            last_error TEXT,
            created_at TEXT NOT NULL,
            sent_at TEXT,
            UNIQUE (kind, request_id, recipient)  -- each message exists once: a reminder goes out once
        ) STRICT;
        CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
        """
    )


@migrations()
def m005_draft_questionnaire_version(db):
    # Drafts saved before this migration were answered under questionnaire 1.0.0;
    # they are carried over to the current version when their patient returns.
    db.execute("ALTER TABLE drafts ADD COLUMN questionnaire_version TEXT NOT NULL DEFAULT '1.0.0'")


@migrations()
def m006_sign_in_throttle(db):
    # Failed sign-ins per key: "account:<username>", "address:<ip>" or "device:<id>" (a browser
    # that signed in before). Replaces the per-user lock of m002, which an outsider could hold.
    db.executescript(
        """
        CREATE TABLE sign_in_throttle (
            key TEXT PRIMARY KEY,
            failures INTEGER NOT NULL CHECK (failures >= 0),
            last_failure_at TEXT NOT NULL
        ) STRICT;
        UPDATE users SET failed_logins = 0, failed_window_start = NULL, locked_until = NULL;
        """
    )


@migrations()
def m007_health_check(db):
    # /healthz writes this one row to prove the database accepts writes (disk full, read-only file).
    db.execute("CREATE TABLE health_check (id INTEGER PRIMARY KEY CHECK (id = 1), at TEXT NOT NULL) STRICT")


@migrations()
def m008_queue_searches(db):
    # The front desk's search text (names, phone numbers) stays on the server, not in the cookie.
    db.executescript(
        """
        CREATE TABLE queue_searches (
            id TEXT PRIMARY KEY,                 -- random, kept in the signed session
            user_id INTEGER NOT NULL REFERENCES users (id),
            text TEXT NOT NULL CHECK (length(text) <= 200),
            created_at TEXT NOT NULL
        ) STRICT;
        CREATE INDEX queue_searches_created_at ON queue_searches (created_at);
        """
    )


@migrations()
def m009_request_contact_preferences(db):
    # Several best times (best_time keeps the first, for older readers), voicemail, language,
    # interpreter and accessibility needs. Older requests leave them NULL: not asked then.
    db.executescript(
        """
        ALTER TABLE requests ADD COLUMN best_times TEXT CHECK (best_times IS NULL OR json_valid(best_times));
        ALTER TABLE requests ADD COLUMN voicemail_ok INTEGER CHECK (voicemail_ok IS NULL OR voicemail_ok IN (0, 1));
        ALTER TABLE requests ADD COLUMN language TEXT CHECK (language IS NULL OR length(language) <= 60);
        ALTER TABLE requests ADD COLUMN interpreter INTEGER CHECK (interpreter IS NULL OR interpreter IN (0, 1));
        ALTER TABLE requests ADD COLUMN accessibility_needs TEXT
            CHECK (accessibility_needs IS NULL OR length(accessibility_needs) <= 500);
        """
    )


@migrations()
def m010_draft_pending_form(db):
    # A form posted with errors is kept here for the page it redirects to (post/redirect/get), so that
    # the browser's Back never offers to send a form again. Read once, then cleared.
    db.execute(
        "ALTER TABLE drafts ADD COLUMN pending_form TEXT CHECK (pending_form IS NULL OR json_valid(pending_form))"
    )


@migrations()
def m011_resume_links(db):
    # "Save and finish later": a single-use link, emailed to the patient, opening their draft in another
    # browser. Only the SHA-256 of its token is stored. The outbox now carries such emails too, which
    # belong to no request: rebuilt with a nullable request_id and the new kind (SQLite cannot alter a CHECK).
    db.executescript(
        """
        CREATE TABLE resume_links (
            id TEXT PRIMARY KEY,                  -- SHA-256 of the emailed token
            draft_id TEXT NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            used_at TEXT
        ) STRICT;
        CREATE INDEX resume_links_draft ON resume_links (draft_id);

        CREATE TABLE outbox_new (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('new_request', 'patient_confirmation', 'overdue_reminder',
                                               'resume_link')),
            request_id INTEGER REFERENCES requests (id),
            recipient TEXT NOT NULL,
            subject TEXT NOT NULL,
            body TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            claimed_by TEXT,
            claimed_at TEXT,
            last_error TEXT,
            created_at TEXT NOT NULL,
            sent_at TEXT,
            CHECK ((kind = 'resume_link') = (request_id IS NULL)),
            UNIQUE (kind, request_id, recipient)
        ) STRICT;
        INSERT INTO outbox_new SELECT * FROM outbox;
        DROP TABLE outbox;
        ALTER TABLE outbox_new RENAME TO outbox;
        CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
        """
    )


CALL_OUTCOME_CODES = (
    "('reached_booked', 'reached_call_back', 'reached_declined', 'no_answer', 'voicemail', "
    "'wrong_number', 'message_sent')"
)


@migrations()
def m012_call_outcomes_assignment_corrections(db):
    # One call, one action: the finer outcome of an attempt (its `result` stays the coarse one, 'reached' for
    # every outcome that reached the patient), the next call-back time, who works the request, and notes struck
    # as entered in error by a later event (append-only: the old note is never changed).
    db.executescript(
        f"""
        ALTER TABLE requests ADD COLUMN call_back_at TEXT;
        ALTER TABLE requests ADD COLUMN last_outcome TEXT
            CHECK (last_outcome IS NULL OR last_outcome IN {CALL_OUTCOME_CODES});
        ALTER TABLE requests ADD COLUMN assigned_to INTEGER REFERENCES users (id);
        ALTER TABLE request_events ADD COLUMN outcome TEXT
            CHECK (outcome IS NULL OR outcome IN {CALL_OUTCOME_CODES});
        ALTER TABLE request_events ADD COLUMN call_back_at TEXT;
        ALTER TABLE request_events ADD COLUMN strikes INTEGER REFERENCES request_events (id);
        CREATE INDEX request_events_strikes ON request_events (strikes);
        CREATE INDEX requests_assigned_to ON requests (assigned_to);
        -- Possible duplicates: the same phone, or the same name and date of birth, within 30 days.
        CREATE INDEX requests_phone ON requests (phone, created_at);
        CREATE INDEX requests_date_of_birth ON requests (date_of_birth, created_at);
        """
    )


# A stored phone is E.164 ("+12025550104"): every run of its last digits of four or more ("0104",
# "5550104", "2025550104", ...) is a token, so a prefix query finds the number typed in any format.
_PHONE_TOKENS = """(SELECT group_concat(substr(substr({phone}, 2), value), ' ')
                    FROM json_each('[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15]') WHERE value <= length({phone}) - 4)"""


@migrations()
def m013_request_search_index(db):
    # The queue's search: an FTS5 index of name, email and phone, kept in step with requests by triggers,
    # so whatever stores or corrects a request keeps it current and a search never scans the requests.
    new, existing = _PHONE_TOKENS.format(phone="NEW.phone"), _PHONE_TOKENS.format(phone="phone")
    script = f"""
        CREATE VIRTUAL TABLE requests_search USING fts5(
            name, email, phone, tokenize = 'unicode61 remove_diacritics 2');
        INSERT INTO requests_search (rowid, name, email, phone)
            SELECT id, full_name, coalesce(email, ''), {existing} FROM requests;
        CREATE TRIGGER requests_search_insert AFTER INSERT ON requests BEGIN
            INSERT INTO requests_search (rowid, name, email, phone)
                VALUES (NEW.id, NEW.full_name, coalesce(NEW.email, ''), {new});
        END;
        CREATE TRIGGER requests_search_update AFTER UPDATE OF full_name, email, phone ON requests BEGIN
            DELETE FROM requests_search WHERE rowid = OLD.id;
            INSERT INTO requests_search (rowid, name, email, phone)
                VALUES (NEW.id, NEW.full_name, coalesce(NEW.email, ''), {new});
        END;
        CREATE TRIGGER requests_search_delete AFTER DELETE ON requests BEGIN
            DELETE FROM requests_search WHERE rowid = OLD.id;
        END;
        """  # the schema's own text, no input  # nosec B608
    db.executescript(script)


@migrations()
def m016_blocks_and_diaries(db):
    # A medial branch block given to a requesting patient, and the pain diary the patient keeps after it.
    # The diary code is the HMAC of link_id under SECRET_KEY (never stored); code_hash finds the block.
    # Entries are never changed: a correction is a new entry for the same scheduled time (the latest wins).
    db.executescript(
        f"""
        CREATE TABLE blocks (
            id INTEGER PRIMARY KEY,
            request_id INTEGER NOT NULL REFERENCES requests (id),
            block_number INTEGER NOT NULL CHECK (block_number IN (1, 2)),
            injected_at TEXT NOT NULL,
            levels TEXT NOT NULL CHECK (json_valid(levels) AND json_array_length(levels) >= 1),
            side TEXT NOT NULL CHECK (side IN ('left', 'right', 'both')),
            medicine TEXT NOT NULL CHECK (medicine IN ('lidocaine', 'bupivacaine', 'ropivacaine', 'other')),
            medicine_other TEXT CHECK (medicine_other IS NULL OR length(medicine_other) <= 100),
            expected_hours REAL NOT NULL CHECK (expected_hours > 0 AND expected_hours <= 48),
            sedation TEXT NOT NULL CHECK (sedation IN ('none', 'minimal', 'more_than_minimal')),
            schedule TEXT NOT NULL CHECK (json_valid(schedule)),  -- minutes after the injection, as configured then
            ends_at TEXT NOT NULL,                -- the last scheduled entry's time
            physician_id INTEGER NOT NULL REFERENCES users (id),
            recorded_by INTEGER NOT NULL REFERENCES users (id),
            recorded_at TEXT NOT NULL,
            link_id TEXT NOT NULL UNIQUE,
            code_hash TEXT NOT NULL UNIQUE,
            expires_at TEXT NOT NULL,
            UNIQUE (request_id, block_number)
        ) STRICT;

        CREATE TABLE diary_entries (
            id INTEGER PRIMARY KEY,
            block_id INTEGER NOT NULL REFERENCES blocks (id),
            kind TEXT NOT NULL CHECK (kind IN ('baseline', 'scheduled', 'return')),
            slot INTEGER CHECK ((kind = 'scheduled') = (slot IS NOT NULL)),
            observed_at TEXT NOT NULL,            -- the real time the entry describes
            pain INTEGER CHECK (pain IS NULL OR pain BETWEEN 0 AND 10),
            tried_activity INTEGER CHECK (tried_activity IS NULL OR tried_activity IN (0, 1)),
            medicine_taken INTEGER CHECK (medicine_taken IS NULL OR medicine_taken IN (0, 1)),
            returned TEXT CHECK (returned IS NULL OR length(returned) <= 20),
            correction INTEGER NOT NULL DEFAULT 0 CHECK (correction IN (0, 1)),
            entered_by INTEGER REFERENCES users (id),  -- NULL: the patient; a user: typed from a paper diary
            created_at TEXT NOT NULL
        ) STRICT;
        CREATE INDEX diary_entries_block ON diary_entries (block_id, id);
        {_append_only("diary_entries")}

        CREATE TABLE block_reviews (
            id INTEGER PRIMARY KEY,
            block_id INTEGER NOT NULL REFERENCES blocks (id),
            user_id INTEGER NOT NULL REFERENCES users (id),
            at TEXT NOT NULL
        ) STRICT;
        CREATE INDEX block_reviews_block ON block_reviews (block_id);
        {_append_only("block_reviews")}
        CREATE INDEX blocks_request ON blocks (request_id);
        CREATE INDEX blocks_expires_at ON blocks (expires_at);
        CREATE INDEX blocks_ends_at ON blocks (ends_at);
        """
    )


@migrations()
def m017_outbox_diary_link(db):
    # The patient's diary link is emailed through the outbox (kind 'diary_link'). A request may have two blocks,
    # so a diary link may go to the same address more than once: the once-only rule now covers the other kinds.
    db.executescript(
        """
        CREATE TABLE outbox_new (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('new_request', 'patient_confirmation', 'overdue_reminder',
                                               'resume_link', 'diary_link')),
            request_id INTEGER REFERENCES requests (id),
            recipient TEXT NOT NULL,
            subject TEXT NOT NULL,
            body TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            claimed_by TEXT,
            claimed_at TEXT,
            last_error TEXT,
            created_at TEXT NOT NULL,
            sent_at TEXT,
            CHECK ((kind = 'resume_link') = (request_id IS NULL))
        ) STRICT;
        INSERT INTO outbox_new SELECT * FROM outbox;
        DROP TABLE outbox;
        ALTER TABLE outbox_new RENAME TO outbox;
        CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
        CREATE UNIQUE INDEX outbox_once ON outbox (kind, request_id, recipient) WHERE kind <> 'diary_link';
        """
    )


@migrations()
def m019_patient_language(db):
    # The language a patient chose on the switch, kept with the draft so it follows them to another visit or
    # device; and the language each screening was answered in. NULL: not chosen (the browser's language applies)
    # or answered before Spanish existed.
    db.executescript(
        """
        ALTER TABLE drafts ADD COLUMN language TEXT CHECK (language IS NULL OR language IN ('en', 'es'));
        ALTER TABLE screenings ADD COLUMN language TEXT CHECK (language IS NULL OR language IN ('en', 'es'));
        """
    )


@migrations()
def m023_queue_covering_index(db):
    # The queue's order puts call-backs that have come due first, which depends on the time of the query, so
    # SQLite sorts the open requests for each page; this index holds every column that sort reads, so it sorts
    # without reading the table (15,000 open requests: 18 ms to 2 ms).
    db.execute("CREATE INDEX requests_queue_cover ON requests (status, urgent, call_back_at, due_at, id)")


@migrations()
def m024_search_prefix_indexes(db):
    # Searching "Seeded Patient 012345" asks for words beginning so; without a prefix index SQLite merges the
    # lists of every request whose name has a word beginning "patient" before it can narrow them (3.4 ms at
    # 100,000 requests that share it). Indexes of the first 2 to 8 characters of each word make such a word
    # one list to step through (0.04 ms); longer words are still found, without the shortcut.
    existing = _PHONE_TOKENS.format(phone="phone")
    script = f"""
        DROP TABLE requests_search;
        CREATE VIRTUAL TABLE requests_search USING fts5(
            name, email, phone, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4 5 6 7 8');
        INSERT INTO requests_search (rowid, name, email, phone)
            SELECT id, full_name, coalesce(email, ''), {existing} FROM requests;
        """  # the schema's own text, no input  # nosec B608
    db.executescript(script)


@migrations()
def m025_request_status_counts(db):
    # Requests per status, for the queue's tabs and totals, kept by triggers as requests come, change status or
    # go: counting them took a scan of the status index on every queue page (4 ms at 100,000 requests).
    # A later migration that rebuilds `requests` must create these triggers again (like the search index's).
    db.executescript(
        """
        CREATE TABLE request_status_counts (status TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
        INSERT INTO request_status_counts (status, n) SELECT status, count(*) FROM requests GROUP BY status;
        CREATE TRIGGER request_status_counts_insert AFTER INSERT ON requests BEGIN
            INSERT INTO request_status_counts (status, n) VALUES (NEW.status, 1)
                ON CONFLICT (status) DO UPDATE SET n = n + 1;
        END;
        CREATE TRIGGER request_status_counts_update AFTER UPDATE OF status ON requests
            WHEN OLD.status IS NOT NEW.status BEGIN
            UPDATE request_status_counts SET n = n - 1 WHERE status = OLD.status;
            INSERT INTO request_status_counts (status, n) VALUES (NEW.status, 1)
                ON CONFLICT (status) DO UPDATE SET n = n + 1;
        END;
        CREATE TRIGGER request_status_counts_delete AFTER DELETE ON requests BEGIN
            UPDATE request_status_counts SET n = n - 1 WHERE status = OLD.status;
        END;
        """
    )
