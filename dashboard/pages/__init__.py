"""Dash Pages of the dashboard. Each module calls ``dash.register_page`` and exposes ``layout``
(taking query-string values as keyword arguments) and, when it has callbacks, a ``CALLBACKS``
tuple of ``register(app)`` functions that ``dashboard.app.create_app`` calls for each new app."""
