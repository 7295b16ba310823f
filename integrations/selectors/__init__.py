"""Functions that read: scoped to a user (accounts), counts (monitoring), health, progress."""
