"""Schema migrations. Each entry moves the catalog from version i to i+1.

Never edit a released migration: append a new one. PRAGMA user_version holds
the version, so an older photofs refuses a newer catalog instead of damaging it.
"""

MIGRATIONS: list[str] = [
    # 1: items from sources, the folders the user added, and job progress.
    """
    CREATE TABLE items (
        id            INTEGER PRIMARY KEY,
        source        TEXT NOT NULL,
        source_id     TEXT NOT NULL,
        original_name TEXT NOT NULL,
        size          INTEGER,
        mtime_ns      INTEGER,
        sha256        TEXT,
        mime          TEXT,
        width         INTEGER,
        height        INTEGER,
        make          TEXT,
        model         TEXT,
        gps_lat       REAL,
        gps_lon       REAL,
        gps_alt       REAL,
        taken_at      REAL,
        tz_offset_min INTEGER,
        time_source   TEXT NOT NULL DEFAULT 'none',
        week          INTEGER,
        state         TEXT NOT NULL,
        error         TEXT,
        warnings      TEXT,
        phash         TEXT,
        thumb_size    INTEGER,
        albums        TEXT,
        nas_path      TEXT,
        url           TEXT,
        updated_at    REAL NOT NULL,
        UNIQUE (source, source_id)
    );
    CREATE INDEX items_week ON items (week, taken_at);
    CREATE INDEX items_state ON items (state);
    CREATE INDEX items_phash ON items (phash);
    CREATE TABLE folders (
        path      TEXT PRIMARY KEY,
        added_at  REAL NOT NULL,
        last_scan REAL
    );
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)
