"""`make bench`: the app next to the limit of its own stack, measured in one run (see README, Performance)."""
