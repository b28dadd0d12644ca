"""Tickets: models, numbering, workflow, service, REST routes and export."""
