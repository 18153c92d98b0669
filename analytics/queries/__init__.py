"""Typed, validated insight queries: pure Python, no Django. ``parse(json) -> Query | [FieldError]``."""
