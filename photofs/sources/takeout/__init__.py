"""Google Takeout: index an export where it lies (zip, tgz or unpacked), never extracting it."""
