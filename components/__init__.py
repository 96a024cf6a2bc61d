"""Pulumi component resources of the marketing plane, one module per component."""
