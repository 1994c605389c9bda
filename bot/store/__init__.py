"""Storage: the database engine and sessions (db), the SQLModel tables (models), the schema's
revision and its Alembic migrations (schema, migrations), and the claims that make each
scheduled delivery go out once (claims). It imports nothing of the bot above it, only the
settings and metrics modules at the top."""
