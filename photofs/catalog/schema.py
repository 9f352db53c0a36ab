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

MIGRATIONS.append(
    # 2: what the views need beyond the phash, and the sort state.
    #    dihedral: phashes of the 7 other flips/rotations of the thumbnail (7 x uint64, little-endian);
    #    histogram: the thumbnail's colour signature (see imaging/colour.py).
    #    pins: the user's overrides, item -> folder within a view; user_folders: mkdir'ed folders;
    #    queue: items the user deleted in the mount, waiting for removal from the cloud.
    """
    ALTER TABLE items ADD COLUMN dihedral BLOB;
    ALTER TABLE items ADD COLUMN histogram BLOB;
    CREATE TABLE pins (
        view    TEXT NOT NULL,
        item_id INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
        folder  TEXT NOT NULL,
        PRIMARY KEY (view, item_id, folder)
    );
    CREATE INDEX pins_folder ON pins (view, folder);
    CREATE TABLE user_folders (
        view TEXT NOT NULL,
        path TEXT NOT NULL,
        created_at REAL NOT NULL,
        PRIMARY KEY (view, path)
    );
    CREATE TABLE queue (
        item_id   INTEGER PRIMARY KEY REFERENCES items (id) ON DELETE CASCADE,
        state     TEXT NOT NULL,
        queued_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE INDEX queue_state ON queue (state);
    """
)
MIGRATIONS.append(
    # 3: Takeout. An item can live in several files (a Takeout photo in a year folder
    #    and in album folders, in several parts; a motion photo's still and video),
    #    so where its bytes are is a table. Plus what Google's sidecars say.
    """
    CREATE TABLE item_files (
        item_id   INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
        role      TEXT NOT NULL,          -- original | motion (the video of a motion photo)
        container TEXT NOT NULL,          -- a Takeout part (.zip, .tgz) or an unpacked folder
        member    TEXT NOT NULL,          -- the path inside it
        size      INTEGER,
        PRIMARY KEY (container, member)
    );
    CREATE INDEX item_files_item ON item_files (item_id);
    ALTER TABLE items ADD COLUMN kind TEXT NOT NULL DEFAULT 'photo';   -- photo | video
    ALTER TABLE items ADD COLUMN description TEXT;
    ALTER TABLE items ADD COLUMN people TEXT;                          -- JSON list of names
    ALTER TABLE items ADD COLUMN favorited INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE items ADD COLUMN archived INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE items ADD COLUMN trashed INTEGER NOT NULL DEFAULT 0;
    """
)
MIGRATIONS.append(
    # 4: the NAS copy. nas_path holds where the archived original is; nas_sha256 and
    #    nas_size what was verified there after writing (they differ from sha256/size
    #    when photofs wrote GPS or a description into a JPEG that lacked them).
    """
    ALTER TABLE items ADD COLUMN nas_sha256 TEXT;
    ALTER TABLE items ADD COLUMN nas_size INTEGER;
    ALTER TABLE items ADD COLUMN archived_at REAL;
    ALTER TABLE queue ADD COLUMN removed_at REAL;
    """
)
MIGRATIONS.append(
    # 5: the weekly ritual. activity: a count of progress per local day (the streak);
    #    reviewed_weeks: weeks the user has been through with `photofs week`.
    """
    CREATE TABLE activity (
        day    TEXT PRIMARY KEY,        -- YYYY-MM-DD in the library's zone
        events INTEGER NOT NULL
    );
    CREATE TABLE reviewed_weeks (
        week        INTEGER PRIMARY KEY,
        reviewed_at REAL NOT NULL
    );
    """
)
MIGRATIONS.append(
    # 6: Google. quota: requests per Pacific-time day (Google resets then), by kind
    #    (calls, bytes); job_state: small resumable positions (the scan's next week).
    """
    CREATE TABLE quota (
        day   TEXT NOT NULL,
        kind  TEXT NOT NULL,
        used  INTEGER NOT NULL,
        PRIMARY KEY (day, kind)
    );
    CREATE TABLE job_state (
        name  TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """
)
MIGRATIONS.append(
    # 7: the folders the user added were recorded for a gallery rule that no longer
    #    needs them (it reads the photos' own folders); nothing reads the table.
    """
    DROP TABLE folders;
    """
)
MIGRATIONS.append(
    # 8: the saved index (LIBRARY/index/) is brought up to date with the items changed
    #    since it was saved: found by updated_at without reading every row.
    """
    CREATE INDEX items_updated ON items (updated_at);
    CREATE INDEX queue_updated ON queue (updated_at);
    """
)
MIGRATIONS.append(
    # 9: the same photo from Google and from a Takeout is found by file name and
    #    capture time (Catalog.same_photo) once per imported item: without an index
    #    that was a scan of every item each time, quadratic in the library.
    """
    CREATE INDEX items_name_taken ON items (original_name, taken_at);
    """
)
MIGRATIONS.append(
    # 10: item deletions are logged, so that the saved index learns of them from the
    #     log (and takes them out) rather than by counting every item on each change,
    #     which at ten million items took seconds. Queue rows go only with their item.
    """
    CREATE TABLE item_deletions (
        seq     INTEGER PRIMARY KEY AUTOINCREMENT,
        item_id INTEGER NOT NULL
    );
    CREATE TRIGGER items_deleted AFTER DELETE ON items
    BEGIN
        INSERT INTO item_deletions (item_id) VALUES (old.id);
    END;
    """
)
MIGRATIONS.append(
    # 11: an item is all of its files. `files` holds each file of an item once (the still,
    #     its motion video, the RAW and JPEG of a pair), with its checksum and its verified
    #     NAS copy; item_files stays the table of places a file can be read from (a Takeout
    #     photo is in a year folder and in albums, in several parts), now naming which file
    #     it is a copy of. Folder originals get their place too (container = their folder).
    #     `roots` are the folders and Takeout parts the user gave, and `ledger` says what
    #     every member that is not a place of an item is (sidecar, album metadata, skipped,
    #     error), so that `photofs ledger` accounts for every one of them.
    """
    CREATE TABLE files (
        item_id     INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
        role        TEXT NOT NULL,          -- original | motion | raw | jpeg
        name        TEXT NOT NULL,          -- the file's own name (its NAS copy is named after it)
        size        INTEGER,
        sha256      TEXT,
        nas_path    TEXT,
        nas_sha256  TEXT,
        nas_size    INTEGER,
        verified_at REAL,
        PRIMARY KEY (item_id, role, name)
    );
    ALTER TABLE item_files ADD COLUMN name TEXT;
    ALTER TABLE item_files ADD COLUMN sha256 TEXT;
    UPDATE item_files SET name = CASE WHEN role IN ('original', 'google')
        THEN (SELECT original_name FROM items WHERE id = item_id)
        ELSE replace(member, rtrim(member, replace(member, '/', '')), '') END;
    INSERT OR IGNORE INTO item_files (item_id, role, container, member, size, name, sha256)
        SELECT id, 'original', rtrim(rtrim(source_id, replace(source_id, '/', '')), '/'),
               replace(source_id, rtrim(source_id, replace(source_id, '/', '')), ''), size, original_name, sha256
        FROM items WHERE source = 'folder' AND instr(source_id, '/') > 0;
    INSERT OR IGNORE INTO files (item_id, role, name, size)
        SELECT item_id, role, name, max(size) FROM item_files WHERE role != 'google' GROUP BY item_id, role, name;
    INSERT OR IGNORE INTO files (item_id, role, name, size)
        SELECT id, 'original', original_name, size FROM items WHERE id NOT IN (SELECT item_id FROM files);
    UPDATE files SET sha256 = (SELECT sha256 FROM items WHERE id = item_id) WHERE role = 'original';
    UPDATE files SET nas_path = (SELECT nas_path FROM items WHERE id = item_id),
                     nas_sha256 = (SELECT nas_sha256 FROM items WHERE id = item_id),
                     nas_size = (SELECT nas_size FROM items WHERE id = item_id),
                     verified_at = (SELECT archived_at FROM items WHERE id = item_id)
        WHERE role = 'original' AND (SELECT nas_sha256 FROM items WHERE id = item_id) IS NOT NULL;
    CREATE INDEX files_unverified ON files (item_id) WHERE nas_sha256 IS NULL;
    -- An item archived before this migration whose motion video was never copied is not archived.
    UPDATE queue SET state = 'queued' WHERE state IN ('archived', 'worksheet')
        AND item_id IN (SELECT item_id FROM files WHERE nas_sha256 IS NULL);
    UPDATE items SET nas_sha256 = NULL WHERE id IN (SELECT item_id FROM files WHERE nas_sha256 IS NULL);
    CREATE TABLE roots (
        path     TEXT PRIMARY KEY,
        kind     TEXT NOT NULL,             -- folder | takeout
        added_at REAL NOT NULL
    );
    CREATE TABLE ledger (
        container TEXT NOT NULL,
        member    TEXT NOT NULL,
        what      TEXT NOT NULL,            -- sidecar | album metadata | skipped | error
        item_id   INTEGER,                  -- the item a sidecar belongs to
        detail    TEXT,                     -- the extension skipped, or the error's reason
        PRIMARY KEY (container, member)
    );
    CREATE INDEX ledger_item ON ledger (item_id);
    """
)
MIGRATIONS.append(
    # 12: what Takeout sidecars say beyond the file. title: Google's title, unchanged
    #     (original_name is the safe file name made from it); time_zone_source: which zone placed the capture time (exif | gps |
    #     library); partner_shared: a partner's photo (googlePhotosOrigin.fromPartnerSharing).
    """
    ALTER TABLE items ADD COLUMN title TEXT;
    ALTER TABLE items ADD COLUMN time_zone_source TEXT;
    ALTER TABLE items ADD COLUMN partner_shared INTEGER NOT NULL DEFAULT 0;
    """
)
MIGRATIONS.append(
    # 13: what a video or an animation is.
    #     duration in seconds, fps, codec (FFmpeg's name), animated (GIF/WebP with
    #     several frames); frame_hashes: phashes of frames spread across a video
    #     (uint64 each, little-endian), what video near-duplicates are found by;
    #     burst_id: the burst a photo is a frame of (XMP BurstID, Apple's BurstUUID).
    """
    ALTER TABLE items ADD COLUMN duration REAL;
    ALTER TABLE items ADD COLUMN fps REAL;
    ALTER TABLE items ADD COLUMN codec TEXT;
    ALTER TABLE items ADD COLUMN animated INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE items ADD COLUMN frame_hashes BLOB;
    ALTER TABLE items ADD COLUMN burst_id TEXT;
    """
)
MIGRATIONS.append(
    # 14: one effective week
    #     per item. items.week stays the week every reader uses; week_source says where
    #     it came from: the capture time, or the user, who moved the photo into another
    #     week's folder. Until now such a move was only a /by-week/ pin: it becomes the
    #     item's week (updated_at moves, so the saved index picks it up).
    """
    ALTER TABLE items ADD COLUMN week_source TEXT NOT NULL DEFAULT 'capture';
    UPDATE items SET
        week = (SELECT CAST(substr(p.folder, 1, instr(p.folder, '_') - 1) AS INTEGER)
                FROM pins p WHERE p.view = 'by-week' AND p.item_id = items.id),
        week_source = 'user',
        updated_at = (julianday('now') - 2440587.5) * 86400.0
    WHERE id IN (SELECT item_id FROM pins WHERE view = 'by-week' GROUP BY item_id
                 HAVING count(*) = 1 AND max(folder) GLOB '[0-9][0-9][0-9][0-9]*_[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]');
    """
)
SCHEMA_VERSION = len(MIGRATIONS)
