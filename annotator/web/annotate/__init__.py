"""The annotator's pages: the queue and the document page (`pages`), the actions that change
spans and status (`actions`), and what both render (`views`)."""
