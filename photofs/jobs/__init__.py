"""Jobs: long-running work over a library, each resumable and safe to re-run."""
