"""What the API and the CLI both do, in one place: ingest, system-log imports, exports,
task discovery on a study.

A service takes a store and plain arguments and returns typed rows or frames; it knows
nothing of HTTP or argparse. Errors a user can fix are ``taskloom.errors.UserError``s,
which the API answers with a 4xx and the CLI prints as one line (exit 2).
"""
