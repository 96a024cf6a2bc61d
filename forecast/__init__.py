"""The campaign forecast: what a campaign will do to the edge, the fleet, the replicas and the form
backend (the projection), and the stack's campaigns prepared for the program (their pre-warm
windows, checked before any resource is registered).

Imports settings/ and model/ only.
"""
