"""What tests share across packages: fixtures and helpers that more than one test package
uses (the live server, WebSocket and browser harnesses still live with their packages)."""
