"""Readers and writers of foreign and own file formats (pure: no flask, no SQL)."""
