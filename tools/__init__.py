"""Developer commands: `python -m tools.plan`, and the offline runtime they share."""
