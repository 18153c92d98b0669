from tests.access.factories import _private_api_cache

__all__ = ["_private_api_cache"]
