"""How often every bot runs the engine's periodic work: one schedule for all platforms."""

SWEEP_SECONDS = 60
"""How often expired leases are released and finished batches closed (a job on the
engine's queue: inline without Redis, else for a worker)."""
NOTICE_SECONDS = 5
"""How often a bot drains the outbox of its platform's users (batch reports, completions)."""
