"""Channels: each provider's messages in and the assistant's replies out, through one
contract (``contract``): sender id, bounded text, metadata, de-duplication."""
