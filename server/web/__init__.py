"""HTTP plumbing shared by every REST route: endpoints, JSON bodies, OpenAPI."""
