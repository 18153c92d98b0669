"""The query engine: compiles typed queries (analytics.queries) to SQL, runs it, shapes the results."""
