"""Shared foundation: configuration, storage, errors, observability and the app factory."""
