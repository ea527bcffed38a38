"""Dash Pages of the dashboard. Each module calls ``dash.register_page`` and exposes ``layout``
(taking query-string values as keyword arguments) and, when it has callbacks, a ``CALLBACKS``
tuple of ``register(app)`` functions that ``dashboard.app.create_app`` calls for each new app.
A page whose layout depends on the store and the URL alone registers with ``cached=True``, and lists in
``CACHED_OUTPUTS`` the first outputs of its callbacks that depend on the store and their inputs alone
(:mod:`dashboard.response_cache` then answers repeated requests from the encoded response)."""
