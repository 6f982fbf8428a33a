"""Errors the storage layer raises for callers to translate."""


class StorageError(Exception):
    """Base for storage errors."""


class UnknownService(StorageError):
    """No service with this id is in the store."""

    def __init__(self, service_id: str) -> None:
        super().__init__(f"No service with id {service_id!r}")
        self.service_id = service_id


class UnknownConversation(StorageError):
    """No conversation with this id is in the store."""
