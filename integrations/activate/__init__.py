"""Spotler Activate (formerly Squeezely) as a destination: its client, the mapping from the
store to its payloads, and a stand-in that speaks its API (docs/activate-facts.md)."""
