"""The econsec Dash app: ``dashboard.app.create_app()`` builds it; pages live in ``dashboard/pages``."""
