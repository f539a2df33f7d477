"""The lead's pages under /review: progress and assignment, the agreement dashboard, the
disagreement view with adjudication, and training-data downloads."""
