"""The web application: models, blueprints, auth, the error handler, CLI commands."""
