"""Host adapters (lmms-eval, ...). Each subpackage imports its host lazily."""
