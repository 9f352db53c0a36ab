"""Views: each turns the catalog's snapshot into a folder tree."""
