"""Decoding, metadata, thumbnails, perceptual hashes and the EXIF record."""
