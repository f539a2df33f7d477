"""The pure core every layer shares: the label scheme, tokenizing and snapping to tokens, the
plain records (Document, Span, User, tokens), languages, packaged data files, a small cache.

May import: nothing of annotator outside `core`; never flask, sqlite3 or sqlite_utils.
"""
