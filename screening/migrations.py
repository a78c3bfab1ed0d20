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
