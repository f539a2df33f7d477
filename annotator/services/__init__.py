"""The use cases that touch the database, each in one transaction: annotations (every span and
status change), adjudication, assignments, accounts and logins, import, export, undo, reports
and background jobs. Routes and commands call these; the decisions live here.

May import: `core`, `agreement`, `formats`, `store`.
"""
